#!/usr/bin/env python3
"""Counts what each layer of a docker-archive holds, with Python's tarfile: an independent check of
layerdiff/history's measurements (tests compare the two). Prints JSON: one object per layer, in order, with
size (bytes of regular files), files (entries that are not directories, whiteouts excluded), wasted (bytes of
regular files a later layer overwrites or deletes) and leftovers (bytes under package-manager caches and
temporary directories, by kind)."""
import json
import posixpath
import sys
import tarfile

# The apt and temporary entries of internal/pkgcache's list: apt lists are a kind of their own, and debconf's
# database (var/cache/debconf) is no cache.
LEFTOVERS = [("var/lib/apt/lists", "apt-lists"), ("var/cache/apt", "apt"), ("tmp", "tmp"), ("var/tmp", "tmp")]


def norm(name):
    name = posixpath.normpath("/" + name).lstrip("/")
    return name


def under(path, directory):
    return path.startswith(directory + "/")


def main(archive):
    outer = tarfile.open(archive)
    manifest = json.load(outer.extractfile("manifest.json"))[0]
    layers = []
    for member in manifest["Layers"]:
        entries, whiteouts, opaques = {}, [], []
        with tarfile.open(fileobj=outer.extractfile(member), mode="r|*") as tf:
            for ti in tf:
                path = norm(ti.name)
                if path == "":
                    continue
                base = posixpath.basename(path)
                parent = posixpath.dirname(path)
                if base == ".wh..wh..opq":
                    opaques.append(parent)
                    continue
                if base.startswith(".wh."):
                    whiteouts.append(posixpath.join(parent, base[4:]))
                    continue
                entries[path] = ("file" if ti.isreg() else "dir" if ti.isdir() else "other", ti.size if ti.isreg() else 0)
        layers.append((entries, whiteouts, opaques))
    out = []
    for k, (entries, _, _) in enumerate(layers):
        size = sum(s for t, s in entries.values() if t == "file")
        files = sum(1 for t, _ in entries.values() if t != "dir")
        leftovers = {}
        wasted = 0
        for path, (typ, s) in entries.items():
            if typ != "file":
                continue
            for d, kind in LEFTOVERS:
                if under(path, d):
                    leftovers[kind] = leftovers.get(kind, 0) + s
                    break
            if any(hidden(path, later) for later in layers[k + 1:]):
                wasted += s
        out.append({"size": size, "files": files, "wasted": wasted, "leftovers": leftovers})
    json.dump(out, sys.stdout, indent=1)


def hidden(path, layer):
    """Whether a later layer overwrites or deletes path."""
    entries, whiteouts, opaques = layer
    if path in entries:
        return True
    if any(w == path or under(path, w) for w in whiteouts):
        return True
    if any(under(path, o) for o in opaques):
        return True
    d = posixpath.dirname(path)
    while d:
        if d in entries and entries[d][0] != "dir":
            return True
        d = posixpath.dirname(d)
    return False


if __name__ == "__main__":
    main(sys.argv[1])
