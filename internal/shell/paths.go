package shell

import (
	"path"
	"strings"
)

// PathKind says what a command puts at a path it creates.
type PathKind uint8

// The kinds of created paths.
const (
	// Written is a file whose bytes the command writes (dd of=, >, tee, cp,
	// mv, install, go build -o), or a directory copied whole.
	Written PathKind = iota + 1
	// Download is a file fetched over the network (curl -o, wget).
	Download
	// Tree is a directory the command fills with files of its own (git
	// clone, cp -r to a new name): what lies below it came from this command.
	Tree
	// Extracted is a directory an archive is unpacked into (tar -x -C DIR,
	// unzip -d DIR, or the working directory): which files is not known.
	Extracted
	// Empty is an empty file or directory (touch, mkdir, install -d).
	Empty
)

// Path is a path a command creates or deletes.
type Path struct {
	// Text is the path as the command names it, possibly relative; Resolve
	// makes it absolute.
	Text string
	// Word is the word that names it (for wget's default name, the URL).
	Word Word
	// Kind is what a created path holds; 0 for a deleted one.
	Kind PathKind
}

// Creates returns the paths a command creates or writes: redirections to
// files, dd of=, tee, cp, mv, install, mkdir, touch, curl -o/-O, wget, git
// clone, tar -x/-c, unzip, 7z x, gunzip and go build -o.
func (c Command) Creates() []Path {
	prog := c.Program()
	var out []Path
	for _, r := range c.Redirects {
		if r.Writes() {
			kind := Written
			if prog == "curl" || prog == "wget" {
				kind = Download
			}
			out = append(out, Path{Text: r.Target.Text, Word: r.Target, Kind: kind})
		}
	}
	add := func(w Word, text string, kind PathKind) {
		if text != "" && text != "-" {
			out = append(out, Path{Text: text, Word: w, Kind: kind})
		}
	}
	ops := c.Operands()
	switch prog {
	case "dd":
		for _, a := range c.Args() {
			if v, ok := strings.CutPrefix(a.Text, "of="); ok {
				add(Word{Text: v, Start: a.Start + 3, End: a.End}, v, Written)
			}
		}
	case "tee":
		for _, w := range ops {
			add(w, w.Text, Written)
		}
	case "cp", "mv", "install":
		if prog == "install" && c.hasShort("d", "--directory") {
			for _, w := range ops {
				add(w, w.Text, Empty)
			}
			break
		}
		kind := Written
		if prog == "cp" && c.hasShort("rRa", "--recursive", "--archive") {
			kind = Tree
		}
		dir, ok := c.OptionValue("-t", "--target-directory")
		srcs := ops
		if !ok {
			if len(ops) < 2 {
				break
			}
			dir, srcs = ops[len(ops)-1], ops[:len(ops)-1]
			if len(srcs) == 1 && !strings.HasSuffix(dir.Text, "/") {
				add(dir, dir.Text, kind)
				break
			}
		}
		for _, s := range srcs {
			add(dir, path.Join(dir.Text, path.Base(s.Text)), kind)
		}
	case "mkdir", "touch":
		for _, w := range ops {
			add(w, w.Text, Empty)
		}
	case "curl":
		if w, ok := c.OptionValue("-o", "--output"); ok {
			add(w, w.Text, Download)
		}
		if c.hasShort("O", "--remote-name", "--remote-name-all") {
			dir, _ := c.OptionValue("", "--output-dir")
			for _, w := range ops {
				if strings.Contains(w.Text, "://") {
					add(w, joinDir(dir.Text, urlBase(w.Text)), Download)
				}
			}
		}
	case "wget":
		if w, ok := c.OptionValue("-O", "--output-document"); ok {
			add(w, w.Text, Download)
			break
		}
		dir, _ := c.OptionValue("-P", "--directory-prefix")
		for _, w := range ops {
			if strings.Contains(w.Text, "://") {
				add(w, joinDir(dir.Text, urlBase(w.Text)), Download)
			}
		}
	case "git":
		if len(ops) >= 2 && ops[0].Text == "clone" {
			if len(ops) >= 3 {
				add(ops[2], ops[2].Text, Tree)
			} else {
				add(ops[1], strings.TrimSuffix(path.Base(strings.TrimSuffix(ops[1].Text, "/")), ".git"), Tree)
			}
		}
	case "tar":
		t := c.tarMode()
		switch {
		case t.extract:
			add(t.dirWord, t.dir, Extracted)
		case t.create && t.file.Text != "":
			add(t.file, t.file.Text, Written)
		}
	case "unzip":
		if w, ok := c.OptionValue("-d", ""); ok {
			add(w, w.Text, Extracted)
		} else if len(ops) > 0 {
			add(ops[0], ".", Extracted)
		}
	case "7z", "7za", "7zr":
		if len(ops) > 0 && (ops[0].Text == "x" || ops[0].Text == "e") {
			dir := "."
			for _, a := range c.Args() {
				if v, ok := strings.CutPrefix(a.Text, "-o"); ok && v != "" {
					dir = v
				}
			}
			add(ops[0], dir, Extracted)
		}
	case "gunzip", "bunzip2", "unxz", "unzstd", "gzip", "bzip2", "xz", "zstd":
		if !c.decompressesInPlace() {
			break
		}
		for _, w := range ops {
			if i := strings.LastIndexByte(w.Text, '.'); i > 0 && !strings.Contains(w.Text[i:], "/") {
				add(w, w.Text[:i], Written)
			}
		}
	case "go":
		if len(ops) > 0 && (ops[0].Text == "build" || ops[0].Text == "install") {
			if w, ok := c.OptionValue("-o", ""); ok {
				add(w, w.Text, Written)
			}
		}
	}
	return out
}

// Deletes returns the paths a command deletes: rm, rmdir and unlink
// operands, find's start points with -delete or -exec rm, mv's sources and
// the archives gunzip and the like replace.
func (c Command) Deletes() []Path {
	var out []Path
	add := func(w Word) {
		if w.Text != "" {
			out = append(out, Path{Text: w.Text, Word: w})
		}
	}
	ops := c.Operands()
	switch c.Program() {
	case "rm", "rmdir", "unlink":
		for _, w := range ops {
			add(w)
		}
	case "find":
		for _, w := range findDeletes(c.Args()) {
			add(w)
		}
	case "mv":
		if _, ok := c.OptionValue("-t", "--target-directory"); ok {
			for _, w := range ops {
				add(w)
			}
		} else if len(ops) >= 2 {
			for _, w := range ops[:len(ops)-1] {
				add(w)
			}
		}
	case "gunzip", "bunzip2", "unxz", "unzstd", "gzip", "bzip2", "xz", "zstd":
		if c.decompressesInPlace() {
			for _, w := range ops {
				add(w)
			}
		}
	}
	return out
}

// Unpacks returns the archives a command unpacks or installs: tar -x's file,
// unzip's and 7z x's archive, what gunzip and the like decompress, and the
// package files dpkg -i, rpm -i and apt-get install ./x.deb install.
func (c Command) Unpacks() []Word {
	var out []Word
	ops := c.Operands()
	switch prog := c.Program(); prog {
	case "tar":
		if t := c.tarMode(); t.extract && t.file.Text != "" && t.file.Text != "-" {
			out = append(out, t.file)
		}
	case "unzip":
		if len(ops) > 0 {
			out = append(out, ops[0])
		}
	case "7z", "7za", "7zr":
		if len(ops) > 1 && (ops[0].Text == "x" || ops[0].Text == "e") {
			out = append(out, ops[1])
		}
	case "gunzip", "bunzip2", "unxz", "unzstd", "gzip", "bzip2", "xz", "zstd":
		if prog == "gunzip" || strings.HasPrefix(prog, "un") || c.hasShort("d", "--decompress", "--uncompress") {
			out = append(out, ops...)
		}
	case "dpkg", "rpm":
		if c.hasShort("iU", "--install", "--upgrade") {
			out = append(out, ops...)
		}
	case "apt-get", "apt":
		if len(ops) > 0 && ops[0].Text == "install" {
			for _, w := range ops[1:] {
				if strings.Contains(w.Text, "/") && strings.HasSuffix(w.Text, ".deb") {
					out = append(out, w)
				}
			}
		}
	}
	return out
}

// decompressesInPlace reports whether a compressor command decompresses its
// operands, replacing each archive by the file inside (no -c, -k or -t).
func (c Command) decompressesInPlace() bool {
	prog := c.Program()
	decompress := strings.HasPrefix(prog, "un") || prog == "gunzip" || c.hasShort("d", "--decompress", "--uncompress")
	return decompress && !c.hasShort("ckt", "--stdout", "--to-stdout", "--keep", "--test")
}

// findDeletes returns the start points of a find that deletes what it finds
// (-delete, or -exec rm).
func findDeletes(args []Word) []Word {
	var starts []Word
	deletes := false
	for i, a := range args {
		switch {
		case a.Text == "-delete":
			deletes = true
		case (a.Text == "-exec" || a.Text == "-execdir") && i+1 < len(args) && path.Base(args[i+1].Text) == "rm":
			deletes = true
		case strings.HasPrefix(a.Text, "-") || a.Text == "!" || a.Text == "(" || a.Text == ")":
		case !deletes && len(starts) == i:
			// Start points come first, before any expression.
			starts = append(starts, a)
		}
	}
	if !deletes {
		return nil
	}
	return starts
}

// urlBase is the file name wget and curl -O give a download: the URL path's
// last element, without a query.
func urlBase(u string) string {
	u, _, _ = strings.Cut(u, "?")
	u, _, _ = strings.Cut(u, "#")
	return path.Base(u)
}

func joinDir(dir, name string) string {
	if dir == "" {
		return name
	}
	return path.Join(dir, name)
}
