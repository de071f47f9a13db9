// Peer benchmark: satori (JSX-like tree -> SVG) + resvg (SVG -> PNG) drawing the same titles as smmgen.
// Usage: node bench/satori_cards.mjs CASES.json FONT.ttf OUT_DIR
// CASES.json: [{"title", "lang", "hero"}]; a card with a hero gets the photo as its background (an <img> of the
// JPEG, as satori takes images: a data URL), darkened towards the bottom; the others a gradient. PNG only:
// resvg has no JPEG encoder. One warm-up card of each kind, then every case, timed. Prints one JSON object.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import satori from "satori";
import { Resvg } from "@resvg/resvg-js";

const [casesPath, fontPath, outDir] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesPath, "utf8"));
const fonts = [{ name: "Noto Sans", data: readFileSync(fontPath), weight: 700, style: "normal" }];
mkdirSync(outDir, { recursive: true });

function tree(title, heroUrl) {
  const text = {
    type: "div",
    props: {
      style: { display: "flex", fontSize: 62, fontWeight: 700, color: "white", lineHeight: 1.14,
               padding: 64, width: "100%", maxHeight: 630 },
      children: title,
    },
  };
  const layers = [];
  if (heroUrl) {
    layers.push({ type: "img", props: { src: heroUrl, width: 1200, height: 630,
      style: { position: "absolute", top: 0, left: 0, width: 1200, height: 630, objectFit: "cover" } } });
    layers.push({ type: "div", props: { style: { position: "absolute", top: 0, left: 0, width: 1200, height: 630,
      backgroundImage: "linear-gradient(to bottom, rgba(0,0,0,0.3), rgba(0,0,0,0.9))" } } });
  }
  layers.push(text);
  const style = { display: "flex", alignItems: "flex-end", width: 1200, height: 630, position: "relative" };
  if (!heroUrl) style.backgroundImage = "linear-gradient(135deg, #0a1424, #132a4c, #1d4275)";
  return { type: "div", props: { style, children: layers } };
}

async function draw(c, name) {
  const hero = c.hero ? `data:image/jpeg;base64,${readFileSync(c.hero).toString("base64")}` : null;
  const svg = await satori(tree(c.title, hero), { width: 1200, height: 630, fonts });
  const png = new Resvg(svg, { fitTo: { mode: "original" } }).render().asPng();
  writeFileSync(join(outDir, name), png);
  return png.length;
}

const result = { renderer: "satori+resvg" };
const photo = cases.filter((c) => c.hero);
const flat = cases.filter((c) => !c.hero);
for (const c of [photo[0], flat[0]].filter(Boolean)) await draw({ ...c, title: c.title + " ·" }, "warm-up.png");
for (const [kind, subset] of [["photo_png", photo], ["flat_png", flat]]) {
  if (!subset.length) continue;
  const start = process.hrtime.bigint();
  let bytes = 0;
  for (let i = 0; i < subset.length; i++) bytes += await draw(subset[i], `${kind}-${i}.png`);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  result[kind] = { cards: subset.length, seconds: +seconds.toFixed(4),
                   ms_per_card: +(1000 * seconds / subset.length).toFixed(2), bytes };
}
console.log(JSON.stringify(result));
