package imagegen

import (
	"archive/tar"
	"fmt"
	"math"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
)

// node is one tar entry of a planned layer. A regular file's bytes are a function of (seed, size, text).
type node struct {
	path string
	typ  byte // tar.TypeReg, TypeDir, TypeSymlink or TypeLink; a whiteout is a TypeReg named ".wh.NAME"
	mode int64
	size int64
	seed uint64
	text bool
	link string
	// pinned files are hardlinks or their targets; mutations leave them alone so that a change is one path.
	pinned bool
}

// layer is a planned layer: its entries in tar order and the instruction that made it.
type layer struct {
	createdBy string
	nodes     []node
	modTime   int64
}

func (l *layer) fileBytes() int64 {
	var n int64
	for _, e := range l.nodes {
		if e.typ == tar.TypeReg {
			n += e.size
		}
	}
	return n
}

// builder collects the entries of one layer, adding parent directories as files are added.
type builder struct {
	rng   *rand.Rand
	nodes []node
	seen  map[string]bool
	files int
}

func newBuilder(rng *rand.Rand) *builder { return &builder{rng: rng, seen: map[string]bool{}} }

func (b *builder) dir(p string) {
	if p == "." || p == "" || b.seen[p] {
		return
	}
	b.dir(path.Dir(p))
	b.seen[p] = true
	b.nodes = append(b.nodes, node{path: p, typ: tar.TypeDir, mode: 0o755})
}

func (b *builder) add(n node) {
	if b.seen[n.path] {
		return // a name drawn twice: keep the first
	}
	b.dir(path.Dir(n.path))
	b.seen[n.path] = true
	if n.typ == tar.TypeReg {
		b.files++
	}
	b.nodes = append(b.nodes, n)
}

func (b *builder) file(p string, size int64, text bool, mode int64) {
	b.add(node{path: p, typ: tar.TypeReg, mode: mode, size: max(size, 1), seed: b.rng.Uint64(), text: text})
}

func (b *builder) symlink(p, target string) {
	b.add(node{path: p, typ: tar.TypeSymlink, mode: 0o777, link: target})
}

// hardlink links p to target, which must be a regular file already added; both are pinned.
func (b *builder) hardlink(p, target string) {
	for i := range b.nodes {
		if b.nodes[i].path == target {
			b.nodes[i].pinned = true
		}
	}
	b.add(node{path: p, typ: tar.TypeLink, link: target, pinned: true})
}

// lognormal draws a size around median with spread sigma (in natural-log units).
func (b *builder) lognormal(median, sigma float64) int64 {
	return int64(math.Exp(math.Log(median) + sigma*b.rng.NormFloat64()))
}

func (b *builder) textSize() int64   { return b.lognormal(1800, 1.3) }
func (b *builder) binarySize() int64 { return b.lognormal(40_000, 1.6) }

// finish sorts the layer into tar order (parents before children) and scales the sizes of its regular files
// so they add up to about wantBytes: log-normal sizes stay log-normal when multiplied.
func (b *builder) finish(createdBy string, modTime int64, wantBytes float64) *layer {
	var total float64
	for _, n := range b.nodes {
		if n.typ == tar.TypeReg {
			total += float64(n.size)
		}
	}
	if total > 0 && wantBytes > 0 {
		f := wantBytes / total
		for i := range b.nodes {
			if b.nodes[i].typ == tar.TypeReg {
				b.nodes[i].size = max(1, int64(float64(b.nodes[i].size)*f))
			}
		}
	}
	slices.SortFunc(b.nodes, func(x, y node) int { return strings.Compare(x.path, y.path) })
	return &layer{createdBy: createdBy, nodes: b.nodes, modTime: modTime}
}

var syllables = []string{"lib", "ac", "ber", "cor", "dex", "en", "fo", "gal", "hy", "io", "jet", "ka", "lo", "mu",
	"nex", "or", "pi", "qu", "ra", "sol", "tu", "ux", "vi", "wa", "xo", "yel", "zen"}

var langs = []string{"de", "fr", "es", "it", "ja", "pt_BR", "ru", "zh_CN", "pl", "nl"}

func (b *builder) name(idx int) string {
	s := syllables[b.rng.IntN(len(syllables))] + syllables[b.rng.IntN(len(syllables))]
	return fmt.Sprintf("%s%d", s, idx)
}

// debPackage adds the files of one Debian-like package: docs, dpkg metadata, binaries, libraries with their
// soname symlinks, man pages, translations and a tree of modules or data.
func (b *builder) debPackage(idx int) {
	n := b.name(idx)
	want := b.files + 8 + min(int(b.lognormal(20, 1.0)), 2000)
	b.file("usr/share/doc/"+n+"/copyright", b.textSize(), true, 0o644)
	b.file("usr/share/doc/"+n+"/changelog.Debian.gz", b.binarySize()/8, false, 0o644)
	b.file("var/lib/dpkg/info/"+n+".list", b.textSize(), true, 0o644)
	b.file("var/lib/dpkg/info/"+n+".md5sums", b.textSize(), true, 0o644)
	for k := range b.rng.IntN(3) {
		bin := "usr/bin/" + n
		if k > 0 {
			bin += fmt.Sprintf("-%d", k)
		}
		b.file(bin, b.binarySize(), false, 0o755)
		if b.rng.IntN(50) == 0 {
			b.hardlink(bin+".real", bin)
		}
	}
	if b.rng.IntN(10) < 3 {
		so := fmt.Sprintf("usr/lib/x86_64-linux-gnu/lib%s.so.%d", n, 1+b.rng.IntN(3))
		full := fmt.Sprintf("%s.%d.%d", so, b.rng.IntN(20), b.rng.IntN(10))
		b.file(full, b.binarySize()*2, false, 0o644)
		b.symlink(so, path.Base(full))
	}
	if b.rng.IntN(2) == 0 {
		b.file("usr/share/man/man1/"+n+".1.gz", b.textSize(), false, 0o644)
	}
	if b.rng.IntN(5) == 0 {
		for _, l := range langs[:3] {
			b.file("usr/share/locale/"+l+"/LC_MESSAGES/"+n+".mo", b.textSize(), false, 0o644)
		}
	}
	root := "usr/share/" + n
	ext := ".dat"
	if b.rng.IntN(2) == 0 {
		root, ext = "usr/lib/python3/dist-packages/"+n, ".py"
	}
	b.tree(root, want, ext)
}

// tree fills root with files until the layer holds want files, in subdirectories up to three deep.
func (b *builder) tree(root string, want int, ext string) {
	dir := root
	for i := 0; b.files < want; i++ {
		if i%12 == 11 {
			dir = root
			for range b.rng.IntN(3) + 1 {
				dir += "/" + syllables[b.rng.IntN(len(syllables))] + fmt.Sprint(b.rng.IntN(5))
			}
		}
		if ext == ".py" || b.rng.IntN(3) > 0 {
			b.file(fmt.Sprintf("%s/m%d%s", dir, i, ext), b.textSize(), true, 0o644)
		} else {
			b.file(fmt.Sprintf("%s/d%d%s", dir, i, ext), b.binarySize(), false, 0o644)
		}
	}
}

// Per-layer shape at scale 1: files and bytes.
const (
	baseFiles, baseBytes = 80_000, 420e6
	aptFiles, aptBytes   = 11_000, 210e6
	npmFiles, npmBytes   = 10_000, 140e6
	appFiles, appBytes   = 1_200, 30e6
	epoch                = 1_700_000_000
)

// planBase plans the shared base layer: merged-/usr symlinks, /etc, time zones (with hardlinks), a few large
// files, and Debian-like packages for the rest.
func planBase(rng *rand.Rand, scale float64) *layer {
	b := newBuilder(rng)
	for _, d := range []string{"bin", "lib", "sbin"} {
		b.symlink(d, "usr/"+d)
	}
	for i := range max(4, int(200*scale)) {
		b.file(fmt.Sprintf("etc/%s/%s.conf", syllables[i%len(syllables)], b.name(i)), b.textSize()/2, true, 0o644)
	}
	regions := []string{"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}
	for i := range max(10, int(1200*scale)) {
		z := fmt.Sprintf("usr/share/zoneinfo/%s/%s", regions[i%len(regions)], b.name(i))
		b.file(z, b.lognormal(1200, 0.6), false, 0o644)
		if i%5 == 0 {
			b.hardlink("usr/share/zoneinfo/posix/"+z[len("usr/share/zoneinfo/"):], z)
		}
	}
	large := []string{"usr/lib/locale/locale-archive", "usr/lib/x86_64-linux-gnu/libLLVM-15.so.1",
		"usr/lib/x86_64-linux-gnu/libicudata.so.72.1", "usr/lib/gcc/x86_64-linux-gnu/12/cc1",
		"usr/lib/x86_64-linux-gnu/libgtk-3.so.0.2406.32", "usr/lib/jvm/lib/modules"}
	for _, p := range large[:max(1, min(len(large), int(math.Round(6*scale))))] {
		b.file(p, 6_000_000+b.rng.Int64N(30_000_000), false, 0o644)
	}
	for i := 0; b.files < int(baseFiles*scale); i++ {
		b.debPackage(i)
	}
	return b.finish("/bin/sh -c #(nop) ADD file:debian-bookworm-rootfs.tar.xz in / ", epoch, baseBytes*scale)
}

// planApt plans a layer of more packages installed over the base; its package names never collide with
// the base's.
func planApt(rng *rand.Rand, scale float64, version int) *layer {
	b := newBuilder(rng)
	for i := 100_000; b.files < int(aptFiles*scale); i++ {
		b.debPackage(i)
	}
	return b.finish("RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends build-essential python3 nodejs # buildkit",
		epoch+int64(version)*86400, aptBytes*scale)
}

// planNpm plans app/node_modules: packages with manifests, sources, bundles and .bin symlinks.
func planNpm(rng *rand.Rand, scale float64, version int) *layer {
	b := newBuilder(rng)
	for i := 0; b.files < int(npmFiles*scale); i++ {
		n := b.name(i)
		root := "app/node_modules/" + n
		want := b.files + 3 + min(int(b.lognormal(12, 1.1)), 1500)
		b.file(root+"/package.json", b.textSize()/2, true, 0o644)
		b.file(root+"/README.md", b.textSize()*2, true, 0o644)
		if b.rng.IntN(8) == 0 {
			b.file(root+"/bin/cli.js", b.textSize(), true, 0o755)
			b.symlink("app/node_modules/.bin/"+n, "../"+n+"/bin/cli.js")
		}
		if b.rng.IntN(4) == 0 {
			b.file(root+"/dist/"+n+".min.js", b.binarySize(), false, 0o644)
		}
		b.tree(root+"/lib", want, ".js")
	}
	return b.finish("RUN /bin/sh -c npm ci --omit=dev # buildkit", epoch+int64(version)*86400+3600, npmBytes*scale)
}

// planApp plans the COPY of the application: sources and assets.
func planApp(rng *rand.Rand, scale float64, version int) *layer {
	b := newBuilder(rng)
	for i := 0; b.files < int(appFiles*scale)+4; i++ {
		if i%4 == 3 {
			b.file(fmt.Sprintf("app/public/assets/%s.png", b.name(i)), b.binarySize(), false, 0o644)
			continue
		}
		b.file(fmt.Sprintf("app/src/%s/%s.ts", syllables[i%len(syllables)], b.name(i)), b.textSize(), true, 0o644)
	}
	return b.finish("COPY . /app # buildkit", epoch+int64(version)*86400+7200, appBytes*scale)
}
