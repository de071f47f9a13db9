"""A synthetic newsroom site for the benchmarks: N articles of realistic length in several scripts.

Deterministic for a given (N, seed): the same titles, bodies and hero pixels every time, so runs compare.
Half the articles have their own hero photo (2400x1600 JPEG with photo-like detail at several scales, so it
decodes and compresses like a photograph, not like a flat test image). Languages: English, German, Russian,
Japanese, Chinese; some titles carry emoji (including ZWJ sequences and flags). Tags, sections, explicit
schedules, expiries, per-platform overrides and a few drafts are mixed in.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

GENERATOR_VERSION = "1"
"""Bump when the generated site changes, so cached sites are made again."""

HERO_SIZE = (2400, 1600)

CONFIG = """\
# Synthetic newsroom for the benchmarks (bench/sitegen.py): every platform enabled.
[site]
name = "The Benchmark Gazette"
base_url = "https://gazette.example"
permalink = "/{year}/{month}/{slug}/"
timezone = "Europe/Berlin"
language = "en"
cards_base_url = "https://gazette.example/social-cards"

[utm]
enabled = true
source = "{platform}"
medium = "social"
campaign = "{slug}"

[platforms.x]
handle = "@BenchGazette"
attach_image = true

[platforms.mastodon]
handle = "@gazette@news.example"
instance = "https://news.example"
max_characters = 500

[platforms.bluesky]
handle = "@gazette.example"

[platforms.threads]
handle = "@benchgazette"

[platforms.facebook]
handle = "BenchGazette"

[platforms.instagram]
handle = "@benchgazette"
link_mode = "bio"

[platforms.linkedin]
handle = "bench-gazette"

[platforms.telegram]
handle = "@benchgazette"
mode = "photo"

[platforms.vk]
handle = "benchgazette"

# A busy desk: a slot every half hour through the day on every network.
[plan]
slots = { every = "30m", from = "06:00", until = "23:30" }
min_spacing = "30m"
max_per_day = 36
"""

# --- words -----------------------------------------------------------------------------------------------------

EN = ("council budget vote city harbour bridge rail transport school teachers minister opposition hospital "
      "climate summit energy prices housing rents market museum gallery festival police court ruling storm "
      "flood river election campaign mayor district residents report survey inflation wages strike union "
      "airport flights tram line season coach players stadium final science researchers study university "
      "water supply heat winter plan funding contract company workers jobs tourism ferry island coast "
      "library park trees cyclists traffic night shift emergency repair inspection crack pier delay").split()
DE = ("Stadtrat Haushalt Abstimmung Brücke Bahn Schule Lehrkräfte Ministerin Opposition Krankenhaus Klima "
      "Gipfel Energie Preise Wohnungen Mieten Markt Museum Galerie Festival Polizei Gericht Urteil Sturm "
      "Hochwasser Wahl Bürgermeister Bezirk Anwohner Bericht Umfrage Löhne Streik Flughafen Straßenbahn "
      "Mannschaft Stadion Forschung Universität Wasser Versorgung Winter Förderung Vertrag Arbeitsplätze "
      "Tourismus Fähre Küste Bibliothek Bäume Radfahrer Verkehr Nachtschicht Reparatur Prüfung").split()
DE_LINK = "und für mit nach über gegen wegen ohne trotz im am beim zum zur".split()
RU = ("городской совет бюджет голосование мост железная дорога школа учителя министр оппозиция больница "
      "климат саммит энергия цены жильё аренда рынок музей галерея фестиваль полиция суд решение шторм "
      "наводнение река выборы мэр район жители доклад опрос зарплаты забастовка аэропорт трамвай команда "
      "стадион учёные исследование университет вода отопление зима финансирование контракт рабочие места "
      "туризм паром побережье библиотека парк деревья велосипедисты движение ремонт проверка").split()
RU_LINK = "и в на по для после из-за против без".split()
JA = ("市議会 予算 採決 橋 鉄道 学校 教員 大臣 野党 病院 気候 首脳会議 電力 価格 住宅 家賃 市場 美術館 "
      "祭り 警察 裁判所 判決 台風 洪水 川 選挙 市長 住民 報告 調査 賃金 空港 路面電車 選手 競技場 研究者 "
      "大学 水道 冬 計画 資金 契約 企業 観光 フェリー 島 海岸 図書館 公園 交通 修理 点検 新幹線").split()
JA_LINK = "の が を に で と は も".split()
ZH = ("市议会 预算 表决 大桥 铁路 学校 教师 部长 反对党 医院 气候 峰会 能源 价格 住房 租金 市场 博物馆 "
      "节日 警方 法院 裁决 台风 洪水 河流 选举 市长 居民 报告 调查 工资 机场 有轨电车 球队 体育场 研究人员 "
      "大学 供水 冬季 计划 资金 合同 企业 旅游 渡轮 海岛 海岸 图书馆 公园 交通 维修 检查 高铁").split()
ZH_LINK = "的 在 对 和 将 与 为".split()
EMOJI = ("🚨", "⚽", "🎉", "🌊", "🔥", "📈", "🗳️", "🚆", "👩‍🔬", "👨‍👩‍👧", "🇺🇦", "🇯🇵", "🇩🇪", "❄️", "☀️")

LANGS = (("en", 0.50), ("de", 0.12), ("ru", 0.16), ("ja", 0.12), ("zh", 0.10))
SECTIONS = {
    "en": ("Politics", "City", "Business", "Sport", "Culture", "Science", "Transport", "Weather"),
    "de": ("Politik", "Stadt", "Wirtschaft", "Sport", "Kultur", "Wissenschaft"),
    "ru": ("Политика", "Город", "Экономика", "Спорт", "Культура", "Наука"),
    "ja": ("政治", "社会", "経済", "スポーツ", "文化", "科学"),
    "zh": ("政治", "城市", "经济", "体育", "文化", "科学"),
}


@dataclass(frozen=True)
class GeneratedSite:
    root: Path
    articles: int
    heroes: int

    def article_files(self) -> list[Path]:
        return sorted((self.root / "content").rglob("*.md"))


def _pick_lang(rng: random.Random) -> str:
    x = rng.random()
    for lang, share in LANGS:
        if x < share:
            return lang
        x -= share
    return "en"


def _words(lang: str):
    return {"en": (EN, ()), "de": (DE, DE_LINK), "ru": (RU, RU_LINK), "ja": (JA, JA_LINK),
            "zh": (ZH, ZH_LINK)}[lang]


def _sentence(rng: random.Random, lang: str, lo: int, hi: int) -> str:
    words, links = _words(lang)
    n = rng.randint(lo, hi)
    if lang in ("ja", "zh"):
        parts = []
        for i in range(n):
            parts.append(rng.choice(words))
            if i < n - 1:
                parts.append(rng.choice(links))
        text = "".join(parts)
        return text + ("。" if rng.random() < 0.8 else "、" + rng.choice(words) + "。")
    out = []
    for i in range(n):
        if links and i and rng.random() < 0.25:
            out.append(rng.choice(links))
        w = rng.choice(words)
        if lang == "en" and rng.random() < 0.2:
            w = rng.choice(("the", "a", "of", "in", "after", "for", "with", "on")) + " " + w
        out.append(w)
    text = " ".join(out)
    if rng.random() < 0.15:
        text += f" {rng.randint(2, 98)}%"
    return text[0].upper() + text[1:] + "."


def _title(rng: random.Random, lang: str, index: int) -> str:
    if lang in ("ja", "zh"):
        text = _sentence(rng, lang, 3, 7).rstrip("。")
    else:
        text = _sentence(rng, lang, 5, 13).rstrip(".")
    if rng.random() < 0.12:
        emoji = rng.choice(EMOJI)
        text = f"{emoji} {text}" if rng.random() < 0.5 else f"{text} {emoji}"
    return f"{text} ({index})" if rng.random() < 0.05 else text


def _body(rng: random.Random, lang: str) -> str:
    # News articles: 4-14 paragraphs of 2-5 sentences (about 250-1400 words in the spaced scripts).
    paragraphs = []
    for p in range(rng.randint(4, 14)):
        sentences = [_sentence(rng, lang, 6, 22) if lang not in ("ja", "zh") else _sentence(rng, lang, 4, 12)
                     for _ in range(rng.randint(2, 5))]
        text = " ".join(sentences) if lang not in ("ja", "zh") else "".join(sentences)
        if p == 1 and rng.random() < 0.3:
            text += f" **{rng.randint(100, 999)}**"
        if rng.random() < 0.08:
            text += f"\n\nhttps://records.example.org/{lang}/documents/{rng.randint(1000, 9999)}/annex-{p}.pdf"
        paragraphs.append(text)
    if rng.random() < 0.1:
        paragraphs.append("> " + _sentence(rng, lang, 5, 14))
    return "\n\n".join(paragraphs) + "\n"


def _yaml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _article(rng: random.Random, index: int, when: dt.datetime, hero: str | None) -> tuple[str, str]:
    lang = _pick_lang(rng)
    title = _title(rng, lang, index)
    slug = f"story-{index:05d}"
    words, _ = _words(lang)
    tags = list(dict.fromkeys(rng.choice(words) for _ in range(rng.randint(1, 5))))
    lines = ["---", f"title: {_yaml_str(title)}", f"date: {when.isoformat()}", f"slug: {slug}"]
    if lang != "en":
        lines.append(f"lang: {lang}")
    if rng.random() < 0.7:
        lines.append(f"summary: {_yaml_str(_sentence(rng, lang, 12, 30))}")
    lines.append("tags: [" + ", ".join(_yaml_str(t) for t in tags) + "]")
    if rng.random() < 0.6:
        lines.append(f"section: {_yaml_str(rng.choice(SECTIONS[lang]))}")
    if hero:
        lines += [f"image: {hero}", f"image_alt: {_yaml_str(_sentence(rng, lang, 5, 12))}"]
        if rng.random() < 0.3:
            lines.append(f"image_focus: [{rng.choice((0.3, 0.5, 0.7))}, {rng.choice((0.3, 0.4, 0.6))}]")
    if rng.random() < 0.02:
        lines.append("draft: true")
    social = []
    r = rng.random()
    if r < 0.08:      # breaking news: out at once, not at the next slot
        social.append(f"  publish_at: {(when + dt.timedelta(minutes=rng.randint(1, 20))).isoformat()}")
    if rng.random() < 0.25:
        social.append(f"  expire_after: {rng.choice(('48h', '7d', '30d'))}")
    if rng.random() < 0.1:
        social.append("  platforms: [x, mastodon, bluesky, telegram]")
    elif rng.random() < 0.05:
        short = _sentence(rng, lang, 4, 8)
        social += ["  bluesky:", f"    text: {_yaml_str(short + ' https://gazette.example/s/' + slug)}"]
    if social:
        lines += ["social:"] + social
    lines.append("---")
    return f"{when:%Y-%m-%d}-{slug}.md", "\n".join(lines) + "\n\n" + _body(rng, lang)


def make_photo(path: Path, seed: int, size: tuple[int, int] = HERO_SIZE) -> None:
    """A 'photograph': a colour gradient (sky to ground), colour regions, solid shapes with hard edges, texture
    at finer scales (1/f-like, as natural images have) and film grain, saved as a baseline JPEG at quality 88.
    Pillow only, deterministic for a seed: it decodes and compresses about like a real photo of that size."""
    from PIL import Image, ImageChops, ImageDraw

    rng = random.Random(seed)
    w, h = size
    base = Image.linear_gradient("L").resize(size)
    tint = [tuple(rng.randint(30, 225) for _ in range(3)) for _ in range(2)]
    bands = [base.point(lambda v, a=tint[0][c], b=tint[1][c]: a + (b - a) * v // 255) for c in range(3)]
    im = Image.merge("RGB", bands)
    for cells, weight in ((5, 0.35), (20, 0.18)):      # colour regions
        gw, gh = cells, max(2, cells * h // w)
        layer = Image.frombytes("RGB", (gw, gh), rng.randbytes(gw * gh * 3)).resize(size, Image.BILINEAR)
        im = Image.blend(im, layer, weight)
    draw = ImageDraw.Draw(im)
    for _ in range(rng.randint(8, 30)):                # buildings, poles, people: hard edges
        x, y = rng.randrange(w), rng.randrange(h // 3, h)
        bw, bh = rng.randint(20, w // 5), rng.randint(20, h // 2)
        grey = rng.randint(20, 230)
        shade = tuple(max(0, min(255, grey + rng.randint(-40, 40))) for _ in range(3))
        (draw.rectangle if rng.random() < 0.7 else draw.ellipse)((x, y - bh, x + bw, y), fill=shade)
    for cells, amp in ((120, 26), (480, 16)):          # texture: luminance only
        gw, gh = cells, max(2, cells * h // w)
        tex = Image.frombytes("L", (gw, gh), rng.randbytes(gw * gh)).resize(size, Image.BILINEAR)
        tex = tex.point(lambda v, a=amp: 128 + (v - 128) * a // 128)
        im = ImageChops.add(im, Image.merge("RGB", (tex, tex, tex)), offset=-128)
    grain = Image.frombytes("L", size, rng.randbytes(w * h)).point(lambda v: 128 + (v - 128) // 20)
    im = ImageChops.add(im, Image.merge("RGB", (grain, grain, grain)), offset=-128)
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, "JPEG", quality=88, subsampling=2)


def generate(root: Path, articles: int, *, seed: int = 2026, hero_share: float = 0.5,
             workers: int | None = None) -> GeneratedSite:
    """Write a site of ``articles`` articles into ``root`` (replacing what is there); heroes are made in
    ``workers`` processes (default: all cores)."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    if root.exists():
        shutil.rmtree(root)
    (root / "content" / "images").mkdir(parents=True)
    (root / "smmgen.toml").write_text(CONFIG, encoding="utf-8")
    (root / ".gitignore").write_text("/output/\n/.smmgen/\n", encoding="utf-8")
    rng = random.Random(seed)
    tz = dt.timezone(dt.timedelta(hours=1))
    start = dt.datetime(2026, 1, 5, 6, 0, tzinfo=tz)
    photos: list[tuple[Path, int]] = []
    for i in range(articles):
        # About six articles a day, at irregular minutes, like a real desk.
        when = start + dt.timedelta(minutes=i * 240 + rng.randint(0, 200))
        hero = None
        if rng.random() < hero_share:
            hero = f"../images/hero-{i:05d}.jpg"
            photos.append((root / "content" / "images" / f"hero-{i:05d}.jpg", seed * 100_003 + i))
        name, text = _article(rng, i, when, hero)
        path = root / "content" / f"{when:%Y}" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(photos) > 1:
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(make_photo, [p for p, _ in photos], [s for _, s in photos], chunksize=8))
    else:
        for path, photo_seed in photos:
            make_photo(path, photo_seed)
    return GeneratedSite(root, articles, len(photos))


def titles_and_heroes(site: GeneratedSite) -> list[tuple[str, str, str | None]]:
    """(title, lang, absolute hero path or None) of every article, for the card benchmarks."""
    import yaml

    out = []
    for path in site.article_files():
        text = path.read_text(encoding="utf-8")
        meta = yaml.safe_load(text.split("---\n", 2)[1])
        hero = meta.get("image")
        out.append((str(meta["title"]), str(meta.get("lang", "en")),
                    str((path.parent / hero).resolve()) if hero else None))
    return out
