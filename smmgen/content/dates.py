"""Dates as a reader of the article's language writes them (for cards), without a locale database; and as plain
numbers, for hashing."""

from __future__ import annotations

import datetime as dt

_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "ru": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
    "uk": "січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня",
}


def long_date(when: dt.datetime, lang: str) -> str:
    base = lang.split("-")[0].lower()
    if base in ("ja", "zh"):
        return f"{when.year}年{when.month}月{when.day}日"
    if base == "ko":
        return f"{when.year}년 {when.month}월 {when.day}일"
    months = _MONTHS.get(base)
    if not months:
        return when.date().isoformat()
    month = months.split()[when.month - 1]
    if base == "en":
        return f"{when.day} {month} {when.year}"
    if base == "de":
        return f"{when.day}. {month} {when.year}"
    if base == "es":
        return f"{when.day} de {month} de {when.year}"
    return f"{when.day} {month} {when.year}"


def epoch_seconds(when: dt.datetime | None) -> float | None:
    """Seconds since the epoch, for keys hashed from many times: the repr of a datetime costs ten times more."""
    return None if when is None else when.timestamp()
