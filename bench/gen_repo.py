"""Generate a realistic git repository with ``git fast-import``.

    python bench/gen_repo.py OUT_DIR [--commits 20000] [--files 300] [--branch-every 33] [--seed 1] [--force]

Several authors (time zones, a non-ASCII name) commit to ``main``, to short-lived feature branches
that are merged back, and to a long-lived maintenance branch merged forward into ``main`` again and
again (as Spring projects do). Commits add, modify, delete and move files (exact renames, renames
with edits, whole directories moved) in nested Java, Python and XML/Markdown trees; releases are
tagged (annotated and lightweight). OUT_DIR is created as a bare repository.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

AUTHORS = [
    ("Alice Martin", "alice@example.com", "+0100"),
    ("Bob Smith", "bob@example.org", "-0500"),
    ("Chloé Dubois", "chloe@example.fr", "+0200"),
    ("Dmitri Ivanov", "dmitri@example.ru", "+0300"),
    ("Eve Chen", "eve@example.cn", "+0800"),
    ("Farid Haddad", "farid@example.com", "+0400"),
    ("Grace Hopper", "grace@example.com", "-0800"),
    ("Hiro Tanaka", "hiro@example.jp", "+0900"),
    ("Ines Garcia", "ines@example.es", "+0100"),
    ("Jamal Okoro", "jamal@example.ng", "+0100"),
    ("Kim Lee", "kim@example.kr", "+0900"),
    ("Lena Berg", "lena@example.se", "+0100"),
]
MODULES = ["core", "web", "data", "security", "actuator", "cli", "test", "docs"]
WORDS = [
    "account", "order", "customer", "invoice", "payment", "shipment", "product", "catalog", "price", "stock",
    "user", "session", "token", "cache", "queue", "event", "message", "handler", "request", "response",
    "client", "server", "config", "property", "factory", "builder", "registry", "service", "repository",
    "controller", "adapter", "mapper", "validator", "converter", "listener", "filter",
]


def camel(*words: str) -> str:
    return "".join(w.capitalize() for w in words)


class Content:
    """Generates and edits file contents."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.license = [f" * Copyright 2012-2024 the original author or authors, notice line {i}.\n" for i in range(8)]

    def java(self, package: str, name: str) -> list[str]:
        rnd = self.rnd
        lines = ["/*\n", *self.license, " */\n", "\n", f"package {package};\n", "\n"]
        for _ in range(rnd.randrange(2, 8)):
            lines.append(f"import org.example.{rnd.choice(MODULES)}.{camel(rnd.choice(WORDS), rnd.choice(WORDS))};\n")
        lines += ["\n", "/**\n", f" * {name} handles {rnd.choice(WORDS)} {rnd.choice(WORDS)}s.\n", " */\n",
                  f"public class {name} {{\n", "\n"]
        for _ in range(rnd.randrange(2, 8)):
            lines.append(f"\tprivate final {camel(rnd.choice(WORDS))} {rnd.choice(WORDS)}{rnd.randrange(100)};\n")
        lines.append("\n")
        for _ in range(rnd.randrange(2, 12)):
            lines += self.method()
        lines.append("}\n")
        return lines

    def method(self) -> list[str]:
        rnd = self.rnd
        name = rnd.choice(WORDS) + camel(rnd.choice(WORDS))
        body = [f"\tpublic {camel(rnd.choice(WORDS))} {name}({camel(rnd.choice(WORDS))} value) {{\n"]
        for _ in range(rnd.randrange(1, 9)):
            body.append(self.statement())
        body += ["\t}\n", "\n"]
        return body

    def statement(self) -> str:
        rnd = self.rnd
        kind = rnd.randrange(4)
        if kind == 0:
            return f"\t\tif (value.is{camel(rnd.choice(WORDS))}()) {{ return null; }}\n"
        if kind == 1:
            return f"\t\tthis.{rnd.choice(WORDS)}.{rnd.choice(WORDS)}(value, {rnd.randrange(1000)});\n"
        if kind == 2:
            return f"\t\tAssert.notNull(value, \"{camel(rnd.choice(WORDS))} must not be null\");\n"
        return f"\t\treturn new {camel(rnd.choice(WORDS))}(value.get{camel(rnd.choice(WORDS))}());\n"

    def python(self) -> list[str]:
        rnd = self.rnd
        lines = ['"""Helpers for ' + rnd.choice(WORDS) + ' handling."""\n', "\n", "import os\n", "import sys\n", "\n"]
        for _ in range(rnd.randrange(2, 10)):
            lines += [f"def {rnd.choice(WORDS)}_{rnd.choice(WORDS)}(value):\n",
                      f"    if value is None:\n        return {rnd.randrange(100)}\n",
                      f"    return value.{rnd.choice(WORDS)}()\n", "\n"]
        return lines

    def xml(self) -> list[str]:
        rnd = self.rnd
        lines = ['<?xml version="1.0" encoding="UTF-8"?>\n', "<project>\n"]
        for _ in range(rnd.randrange(3, 30)):
            lines += ["\t<dependency>\n", f"\t\t<groupId>org.example.{rnd.choice(MODULES)}</groupId>\n",
                      f"\t\t<artifactId>{rnd.choice(WORDS)}-{rnd.choice(WORDS)}</artifactId>\n",
                      f"\t\t<version>{rnd.randrange(1, 5)}.{rnd.randrange(10)}.{rnd.randrange(20)}</version>\n",
                      "\t</dependency>\n"]
        lines.append("</project>\n")
        return lines

    def markdown(self) -> list[str]:
        rnd = self.rnd
        return [f"# {camel(rnd.choice(WORDS))}\n", "\n"] + [
            f"The {rnd.choice(WORDS)} {rnd.choice(WORDS)} is {rnd.choice(WORDS)}ed by the {rnd.choice(WORDS)}.\n"
            for _ in range(rnd.randrange(3, 15))
        ]

    def new_file(self, directory: str) -> tuple[str, list[str]]:
        rnd = self.rnd
        kind = rnd.random()
        if kind < 0.7:
            name = camel(rnd.choice(WORDS), rnd.choice(WORDS), rnd.choice(["", "Tests", "Impl", "Support"]))
            package = directory.split("/java/", 1)[-1].replace("/", ".")
            return f"{directory}/{name}.java", self.java(package, name)
        if kind < 0.85:
            return f"{directory}/{rnd.choice(WORDS)}_{rnd.choice(WORDS)}.py", self.python()
        if kind < 0.95:
            return f"{directory}/{rnd.choice(WORDS)}-{rnd.choice(['config', 'beans', 'pom'])}.xml", self.xml()
        return f"{directory}/{rnd.choice(WORDS).upper()}.md", self.markdown()

    def modify(self, lines: list[str], strength: float = 0.05) -> list[str]:
        rnd = self.rnd
        out = list(lines)
        edits = max(1, int(len(out) * strength * rnd.random() * 2))
        for _ in range(edits):
            i = rnd.randrange(len(out) + 1)
            op = rnd.random()
            if op < 0.4 and i < len(out):
                out[i] = self.statement()
            elif op < 0.7:
                out.insert(i, self.statement())
            elif out and i < len(out):
                del out[i]
        return out


@dataclass
class Branch:
    name: str
    files: dict[str, list[str]]
    mark: int | None
    base: dict[str, list[str]]  # contents at the fork or at the last merge into main
    commits: int = 0
    merge_after: int = 0


@dataclass
class Generator:
    out: list[bytes]
    rnd: random.Random
    content: Content
    clock: int = 1_420_070_400  # 2015-01-01
    mark: int = 0
    directories: list[str] = field(default_factory=list)

    def emit(self, text: str | bytes) -> None:
        self.out.append(text.encode("utf-8") if isinstance(text, str) else text)

    def data(self, payload: bytes) -> None:
        self.emit(f"data {len(payload)}\n")
        self.emit(payload)
        self.emit("\n")

    def commit(self, branch: Branch, message: str, changes: dict[str, list[str] | None],
               merge: int | None = None) -> int:
        self.mark += 1
        self.clock += self.rnd.randrange(300, 4 * 3600)
        name, email, tz = self.rnd.choice(AUTHORS)
        committer = AUTHORS[0] if merge else (name, email, tz)
        self.emit(f"commit refs/heads/{branch.name}\nmark :{self.mark}\n")
        self.emit(f"author {name} <{email}> {self.clock - self.rnd.randrange(0, 600)} {tz}\n")
        self.emit(f"committer {committer[0]} <{committer[1]}> {self.clock} {committer[2]}\n")
        self.data(message.encode("utf-8"))
        if branch.mark is not None:
            self.emit(f"from :{branch.mark}\n")
        if merge is not None:
            self.emit(f"merge :{merge}\n")
        for path in sorted(changes):
            lines = changes[path]
            if lines is None:
                self.emit(f"D {path}\n")
            else:
                self.emit(f"M 100644 inline {path}\n")
                self.data("".join(lines).encode("utf-8"))
        for path, lines in changes.items():
            if lines is None:
                branch.files.pop(path, None)
            else:
                branch.files[path] = lines
        branch.mark = self.mark
        branch.commits += 1
        return self.mark

    def directory(self) -> str:
        rnd = self.rnd
        if not self.directories or rnd.random() < 0.02:
            module = rnd.choice(MODULES)
            side = rnd.choice(["main", "main", "test"])
            depth = [rnd.choice(WORDS) for _ in range(rnd.randrange(0, 3))]
            directory = "/".join([f"project-{module}", "src", side, "java", "org", "example", module, *depth])
            if rnd.random() < 0.15:
                resources = f"project-{module}/src/{side}/resources"
                directory = resources if rnd.random() < 0.5 else f"tools/{module}/scripts"
            self.directories.append(directory)
            return directory
        return rnd.choice(self.directories)

    def work(self, branch: Branch) -> dict[str, list[str] | None]:
        """One ordinary commit's changes."""
        rnd = self.rnd
        changes: dict[str, list[str] | None] = {}
        files = branch.files
        paths = sorted(files)
        for _ in range(rnd.choice([1, 1, 1, 2, 2, 3, 4, 6])):
            op = rnd.random()
            if op < 0.62 and paths:
                path = rnd.choice(paths)
                changes[path] = self.content.modify(changes.get(path) or files[path])
            elif op < 0.8 or not paths:
                path, lines = self.content.new_file(self.directory())
                if path not in files:
                    changes[path] = lines
            elif op < 0.87:
                path = rnd.choice(paths)
                if path in files:
                    changes[path] = None
            else:
                path = rnd.choice(paths)
                if path not in files or changes.get(path, "") is None:
                    continue
                lines = changes.get(path) or files[path]
                name = path.rsplit("/", 1)[-1]
                if rnd.random() < 0.5:
                    new_name = name  # moved to another directory
                else:
                    stem, _, ext = name.rpartition(".")
                    new_name = f"{stem}{rnd.choice(['Support', 'Helper', 'Impl', 'V2'])}.{ext}"
                new = f"{self.directory()}/{new_name}"
                if new in files or new in changes:
                    continue
                changes[path] = None
                changes[new] = self.content.modify(lines, 0.1) if rnd.random() < 0.5 else lines
        if rnd.random() < 0.004 and self.directories:  # move a whole directory
            old_dir = rnd.choice(self.directories)
            new_dir = old_dir.replace("/src/", f"/src-{rnd.choice(WORDS)}/", 1)
            for path in paths:
                if path.startswith(old_dir + "/") and path not in changes:
                    changes[path] = None
                    changes[new_dir + path[len(old_dir):]] = files[path]
            self.directories.append(new_dir)
        return changes

    def merge(self, target: Branch, source: Branch, message: str) -> int:
        """Merge ``source`` into ``target``: its changes since ``source.base`` win unless the
        target changed the same file (then the target's version stays)."""
        assert source.mark is not None
        result = dict(target.files)
        for path in set(source.base) | set(source.files):
            theirs = source.files.get(path)
            base = source.base.get(path)
            if theirs is base:
                continue
            ours = target.files.get(path)
            if ours is not base and ours != base:
                continue  # both changed: keep ours
            if theirs is None:
                result.pop(path, None)
            else:
                result[path] = theirs
        changes: dict[str, list[str] | None] = {}
        for path in set(target.files) | set(result):
            if target.files.get(path) is not result.get(path):
                changes[path] = result.get(path)
        mark = self.commit(target, message, changes, merge=source.mark)
        source.base = dict(source.files)
        return mark


def generate(commits: int, seed: int, files: int = 300, branch_every: int = 33) -> list[bytes]:
    """The fast-import stream of the repository."""
    rnd = random.Random(seed)
    gen = Generator([], rnd, Content(rnd))
    main = Branch("main", {}, None, {})
    initial: dict[str, list[str] | None] = {}
    for _ in range(files):
        path, lines = gen.content.new_file(gen.directory())
        initial[path] = lines
    initial["pom.xml"] = gen.content.xml()
    initial["README.md"] = gen.content.markdown()
    gen.commit(main, "Initial import", initial)
    maintenance: Branch | None = None
    features: list[Branch] = []
    feature_count = 0
    release = 0
    while gen.mark < commits:
        roll = rnd.random()
        if maintenance is None and gen.mark > commits // 5:
            maintenance = Branch("release/1.x", dict(main.files), main.mark, dict(main.files))
            gen.emit(f"reset refs/heads/release/1.x\nfrom :{main.mark}\n\n")
        if roll < 1 / max(branch_every, 2) and len(features) < 4:
            feature_count += 1
            features.append(Branch(f"feature/{rnd.choice(WORDS)}-{feature_count}", dict(main.files), main.mark,
                                   dict(main.files), merge_after=rnd.randrange(2, 15)))
            continue
        if roll < 0.5 or (not features and maintenance is None):
            gen.commit(main, f"{camel(rnd.choice(WORDS))}: {rnd.choice(WORDS)} {rnd.choice(WORDS)}", gen.work(main))
        elif roll < 0.85 and features:
            feature = rnd.choice(features)
            gen.commit(feature, f"Work on {feature.name}", gen.work(feature))
            if feature.commits >= feature.merge_after:
                gen.merge(main, feature, f"Merge branch '{feature.name}'")
                features.remove(feature)
                if rnd.random() < 0.7:
                    gen.emit(f"reset refs/heads/{feature.name}\nfrom 0000000000000000000000000000000000000000\n\n")
        elif maintenance is not None:
            gen.commit(maintenance, f"Fix {rnd.choice(WORDS)} in 1.x", gen.work(maintenance))
            if maintenance.commits % rnd.randrange(2, 6) == 0:
                gen.merge(main, maintenance, "Merge branch 'release/1.x'")
            if rnd.random() < 0.02:
                release += 1
                gen.emit(f"tag v1.{release}\nfrom :{maintenance.mark}\n")
                gen.emit(f"tagger Release Bot <release@example.com> {gen.clock} +0000\n")
                gen.data(f"Release 1.{release}".encode())
        if rnd.random() < 0.002:
            gen.emit(f"reset refs/tags/milestone-{gen.mark}\nfrom :{main.mark}\n\n")
    return gen.out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--commits", type=int, default=20000)
    parser.add_argument("--files", type=int, default=300, help="files in the first commit")
    parser.add_argument("--branch-every", type=int, default=33, help="commits between feature branches, about")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--force", action="store_true", help="replace OUT_DIR if it exists")
    args = parser.parse_args()
    if args.out_dir.exists() and any(args.out_dir.iterdir()):
        if not args.force:
            parser.error(f"{args.out_dir} exists and is not empty (use --force to replace it)")
        shutil.rmtree(args.out_dir)
    started = time.perf_counter()
    stream = b"".join(generate(args.commits, args.seed, args.files, args.branch_every))
    generated = time.perf_counter()
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(args.out_dir)], check=True)
    subprocess.run(["git", "fast-import", "--quiet", "--done"], input=stream + b"done\n", cwd=args.out_dir, check=True)
    subprocess.run(["git", "gc", "-q"], cwd=args.out_dir, check=False)  # deltas, as a real clone has
    count = subprocess.run(["git", "rev-list", "--all", "--count"], cwd=args.out_dir, capture_output=True,
                           text=True, check=True).stdout.strip()
    files = subprocess.run(["git", "ls-tree", "-r", "--name-only", "main"], cwd=args.out_dir, capture_output=True,
                           text=True, check=True).stdout.count("\n")
    print(f"{args.out_dir}: {count} commits, {files} files on main; stream {len(stream) / 1e6:.0f} MB generated in "
          f"{generated - started:.1f}s, imported in {time.perf_counter() - generated:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
