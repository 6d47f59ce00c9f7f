#!/usr/bin/env python3
"""Builds the bundled King James Bible corpus and the testament classification task.

Reads the verse listing printed by Debian's `bible` reader (packages bible-kjv and bible-kjv-text),
one verse per line as `<Book><chapter>:<verse> <text>`, and writes, gzip-compressed and byte-for-byte
reproducible (gzip mtime 0, no file name in the header):

  kjv-sentences.txt.gz        sentence-per-line pretraining corpus: one verse per line, a blank line
                              between books (each of the 66 books is one document)
  kjv-testament-train.tsv.gz  label<TAB>text, label OT or NT, every verse not in the dev split
  kjv-testament-dev.tsv.gz    the verses of every chapter whose number is a multiple of 10

Usage (see README.md):
  bible -f gen1:1-rev22:21 | python3 make_kjv_corpus.py OUTPUT_DIR
"""
import gzip
import re
import sys

# Genesis..Malachi: the first 39 books in the reader's canonical order are the Old Testament.
OLD_TESTAMENT_BOOKS = 39
VERSE_LINE = re.compile(r"^(?P<book>[1-3]?[A-Za-z]+)(?P<chapter>\d+):(?P<verse>\d+) (?P<text>.+)$")


def write_gzip(path, text):
    # mtime=0 and an empty file name keep the archive bytes identical across runs and machines.
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(text.encode("utf-8"))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bible -f gen1:1-rev22:21 | make_kjv_corpus.py OUTPUT_DIR")
    out_dir = sys.argv[1]
    books = []  # list of (book name, list of (chapter, text))
    for line_number, line in enumerate(sys.stdin, 1):
        line = line.rstrip("\n")
        if not line:
            continue
        match = VERSE_LINE.match(line)
        if match is None:
            sys.exit(f"line {line_number} is not a verse line: {line[:60]!r}")
        book = match.group("book")
        # The reader sometimes puts two spaces between sentences of one verse; one space is the norm.
        text = " ".join(match.group("text").split())
        if not books or books[-1][0] != book:
            books.append((book, []))
        books[-1][1].append((int(match.group("chapter")), text))
    if len(books) != 66:
        sys.exit(f"expected 66 books, found {len(books)}")

    corpus_docs = []
    train, dev = [], []
    for index, (_, verses) in enumerate(books):
        corpus_docs.append("\n".join(text for _, text in verses) + "\n")
        label = "OT" if index < OLD_TESTAMENT_BOOKS else "NT"
        for chapter, text in verses:
            # Whole chapters go to dev so that neighbouring verses (which share phrasing) do not leak
            # from train into dev.
            (dev if chapter % 10 == 0 else train).append(f"{label}\t{text}\n")

    write_gzip(f"{out_dir}/kjv-sentences.txt.gz", "\n".join(corpus_docs))
    write_gzip(f"{out_dir}/kjv-testament-train.tsv.gz", "".join(train))
    write_gzip(f"{out_dir}/kjv-testament-dev.tsv.gz", "".join(dev))

    verses = sum(len(v) for _, v in books)
    words = sum(len(t.split()) for _, v in books for _, t in v)
    print(f"documents {len(books)}, sentences {verses}, whitespace words {words}")
    for name, rows in (("train", train), ("dev", dev)):
        ot = sum(1 for r in rows if r.startswith("OT"))
        print(f"{name}: {len(rows)} rows, OT {ot}, NT {len(rows) - ot}")


if __name__ == "__main__":
    main()
