#!/usr/bin/env python3
"""Writes charsets.json: one sample text per charset, encoded with Python's codecs (an independent encoder).

Each entry: {"label": MIME charset label, "text": the Unicode text, "base64": the encoded bytes}.
The Swift test wraps each in a message (as a base64 text/plain body and as an RFC 2047 Subject) and checks that
decoding gives the text back.
"""
import base64, json, os

SAMPLES = [
    ("UTF-8", "utf-8", "Grüße, мир, 世界, 🌍"),
    ("US-ASCII", "ascii", "Plain ASCII text: 1 + 1 = 2."),
    ("ISO-8859-1", "iso8859_1", "Grüße aus Köln, ça va? ½ ¿Qué?"),
    ("ISO-8859-2", "iso8859_2", "Zażółć gęślą jaźń"),
    ("ISO-8859-3", "iso8859_3", "Ħamrun, ġbejna, Ĉu vi parolas?"),
    ("ISO-8859-4", "iso8859_4", "Ģimene, ķēķis, Ąžuolas, šūnas"),
    ("ISO-8859-5", "iso8859_5", "Съешь же ещё этих мягких французских булок"),
    ("ISO-8859-6", "iso8859_6", "مرحبا بالعالم"),
    ("ISO-8859-7", "iso8859_7", "Καλημέρα κόσμε"),
    ("ISO-8859-8", "iso8859_8", "שלום עולם"),
    ("ISO-8859-9", "iso8859_9", "İstanbul'da güzel bir gün: ğ ş ı"),
    ("ISO-8859-10", "iso8859_10", "Þórður, ŋ, ĸ, Ūū"),
    ("ISO-8859-11", "iso8859_11", "สวัสดีชาวโลก"),
    ("ISO-8859-13", "iso8859_13", "Ąžuolas, šaltinis „žodis“"),
    ("ISO-8859-14", "iso8859_14", "Ŵyneb ŷ ẃ ḃ Ċ ċ"),
    ("ISO-8859-15", "iso8859_15", "Prix : 15 €, œuvre, Šárka, Žofie, Ÿ"),
    ("ISO-8859-16", "iso8859_16", "Știință și țară, €"),
    ("windows-1250", "cp1250", "Příliš žluťoučký kůň úpěl ďábelské ódy – „ano“"),
    ("windows-1251", "cp1251", "Привет, мир — «ёлка» №1"),
    ("windows-1252", "cp1252", "Smart “quotes” – and € and …"),
    ("windows-1253", "cp1253", "Γειά σου κόσμε € …"),
    ("windows-1254", "cp1254", "Türkçe ğüşiöç İ ı €"),
    ("windows-1255", "cp1255", "שלום עולם ₪"),
    ("windows-1256", "cp1256", "مرحبا بالعالم پ"),
    ("windows-1257", "cp1257", "Ąžuolas šūnas €"),
    # cp1258 has letters with one diacritic; tone marks are combining characters (the text is in that form).
    ("windows-1258", "cp1258", "Tiê\u0301ng Viê\u0323t co\u0301 dâ\u0301u"),
    ("KOI8-R", "koi8_r", "Съешь же ещё этих мягких французских булок"),
    ("KOI8-U", "koi8_u", "Ґанок, їжак, єнот, і"),
    ("GB2312", "gb2312", "你好，世界"),
    ("GBK", "gbk", "你好，世界（繁體：鑫）"),
    ("GB18030", "gb18030", "你好 𠀀 €"),
    ("Big5", "big5", "中文測試，繁體字"),
    ("Shift_JIS", "shift_jis", "日本語のテキスト、カタカナ、ｶﾀｶﾅ"),
    ("EUC-JP", "euc_jp", "日本語のテキスト、漢字"),
    ("ISO-2022-JP", "iso2022_jp", "日本語のテキスト、漢字"),
    ("EUC-KR", "euc_kr", "안녕하세요 세계"),
    ("UTF-16", "utf-16", "Grüße 🌍 世界"),
    ("UTF-16LE", "utf-16-le", "Grüße 🌍 世界"),
    ("UTF-16BE", "utf-16-be", "Grüße 🌍 世界"),
]

def encode(codec, text):
    return text.encode(codec)

entries = [{"label": label, "text": text, "base64": base64.b64encode(encode(codec, text)).decode()}
           for label, codec, text in SAMPLES]
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "charsets.json"), "w") as f:
    json.dump(entries, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(len(entries), "charsets")
