package imagegen

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"os"
	"path"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// poolSize is the size of each pool of bytes that file contents are cut from. Cutting (rather than drawing
// every byte) keeps generation far cheaper than reading; the pools are larger than any CPU cache, so the
// bytes that a reader hashes are not trivially cached.
const poolSize = 8 << 20

// pools holds the bytes files are made of: text-like lines and random data.
type pools struct {
	text, random []byte
}

var words = strings.Fields(`the of and to in is for on that with as by this are from be or at an it not function
return const import export default module require value error config data file path layer image build node
package version license copyright debian usr lib share python json yaml true false null undefined`)

func newPools(seed uint64) *pools {
	rng := rand.New(rand.NewChaCha8([32]byte{0: byte(seed), 1: byte(seed >> 8), 2: byte(seed >> 16), 3: byte(seed >> 24)}))
	p := &pools{random: make([]byte, poolSize), text: make([]byte, 0, poolSize+64)}
	for i := 0; i < poolSize; i += 8 {
		binary.LittleEndian.PutUint64(p.random[i:], rng.Uint64())
	}
	for len(p.text) < poolSize {
		for range 1 + rng.IntN(12) {
			p.text = append(p.text, words[rng.IntN(len(words))]...)
			p.text = append(p.text, ' ')
		}
		p.text[len(p.text)-1] = '\n'
	}
	p.text = p.text[:poolSize]
	return p
}

// writeContent writes the bytes of file n: a header naming its seed, so that files with different seeds
// differ, then bytes of a pool from an offset the seed chooses.
func (p *pools) writeContent(w io.Writer, n *node) error {
	pool := p.random
	var head []byte
	if n.text {
		pool = p.text
		head = fmt.Appendf(nil, "# %016x\n", n.seed)
	} else {
		head = binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, n.seed), ^n.seed)
	}
	left := n.size
	head = head[:min(int64(len(head)), left)]
	if _, err := w.Write(head); err != nil {
		return err
	}
	left -= int64(len(head))
	off := int(n.seed % poolSize)
	for left > 0 {
		chunk := pool[off:min(len(pool), off+int(min(left, 1<<20)))]
		if _, err := w.Write(chunk); err != nil {
			return err
		}
		left -= int64(len(chunk))
		off = (off + len(chunk)) % poolSize
	}
	return nil
}

// layerFile is a layer written to disk: its path, size and DiffID.
type layerFile struct {
	path   string
	size   int64
	diffID v1.Hash
}

// hashingWriter counts and hashes the bytes it passes on.
type hashingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (hw *hashingWriter) Write(b []byte) (int, error) {
	hw.h.Write(b)
	n, err := hw.w.Write(b)
	hw.n += int64(n)
	return n, err
}

// writeLayerFile writes an uncompressed layer tar to file, its entries from fill, and returns its size and
// DiffID, hashed on the way.
func writeLayerFile(file string, fill func(tw *tar.Writer) error) (*layerFile, error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	hw := &hashingWriter{w: bw, h: sha256.New()}
	tw := tar.NewWriter(hw)
	if err := fill(tw); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return &layerFile{path: file, size: hw.n, diffID: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(hw.h.Sum(nil))}}, nil
}

// writeLayer writes l as an uncompressed tar to file.
func writeLayer(ctx context.Context, file string, l *layer, p *pools) (*layerFile, error) {
	return writeLayerFile(file, func(tw *tar.Writer) error { return p.writeNodes(ctx, tw, l) })
}

// writeNodes writes l's entries, with their content, to tw.
func (p *pools) writeNodes(ctx context.Context, tw *tar.Writer, l *layer) error {
	mtime := time.Unix(l.modTime, 0)
	for i := range l.nodes {
		if i&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		n := &l.nodes[i]
		hdr := &tar.Header{Name: n.path, Typeflag: n.typ, Mode: n.mode, ModTime: mtime, Linkname: n.link,
			Uname: "root", Gname: "root"}
		switch n.typ {
		case tar.TypeDir:
			hdr.Name += "/"
		case tar.TypeReg:
			hdr.Size = n.size
			if strings.HasPrefix(path.Base(n.path), ".wh.") {
				hdr.Size = 0
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("writing %s: %w", n.path, err)
		}
		if hdr.Size > 0 {
			if err := p.writeContent(tw, n); err != nil {
				return fmt.Errorf("writing %s: %w", n.path, err)
			}
		}
	}
	return nil
}

// archiveManifest is one element of a docker-archive's manifest.json.
type archiveManifest struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// writeArchive writes a docker-archive at file holding one image: its config, then its layers as
// <diffid>/layer.tar (copied from their files), then manifest.json, as `docker save` lays them out.
func writeArchive(ctx context.Context, file, tag string, env []string, layers []*layer, files []*layerFile) error {
	cfg := v1.ConfigFile{
		Architecture: "amd64",
		OS:           "linux",
		Created:      v1.Time{Time: time.Unix(layers[len(layers)-1].modTime, 0).UTC()},
		Config: v1.Config{
			Env:        append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, env...),
			Cmd:        []string{"node", "dist/server.js"},
			WorkingDir: "/app",
		},
		RootFS: v1.RootFS{Type: "layers"},
	}
	for i, l := range layers {
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, files[i].diffID)
		cfg.History = append(cfg.History, v1.History{Created: v1.Time{Time: time.Unix(l.modTime, 0).UTC()}, CreatedBy: l.createdBy})
		if i == 0 {
			cfg.History = append(cfg.History, v1.History{CreatedBy: "/bin/sh -c #(nop)  CMD [\"bash\"]", EmptyLayer: true})
		}
	}
	cfg.History = append(cfg.History, v1.History{CreatedBy: "ENV " + strings.Join(env, " "), EmptyLayer: true})
	rawCfg, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(rawCfg)
	man := []archiveManifest{{Config: hex.EncodeToString(sum[:]) + ".json", RepoTags: []string{tag}}}

	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	tw := tar.NewWriter(bw)
	mtime := time.Unix(epoch, 0)
	if err := writeFile(tw, man[0].Config, rawCfg, mtime); err != nil {
		return err
	}
	for _, lf := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := lf.diffID.Hex + "/layer.tar"
		man[0].Layers = append(man[0].Layers, name)
		if err := tw.WriteHeader(&tar.Header{Name: lf.diffID.Hex + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: mtime}); err != nil {
			return err
		}
		if err := copyLayer(tw, name, lf, mtime); err != nil {
			return err
		}
	}
	rawMan, err := json.Marshal(man)
	if err != nil {
		return err
	}
	if err := writeFile(tw, "manifest.json", rawMan, mtime); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func writeFile(tw *tar.Writer, name string, b []byte, mtime time.Time) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(b)), ModTime: mtime}); err != nil {
		return err
	}
	_, err := tw.Write(b)
	return err
}

func copyLayer(tw *tar.Writer, name string, lf *layerFile, mtime time.Time) error {
	src, err := os.Open(lf.path)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: lf.size, ModTime: mtime}); err != nil {
		return err
	}
	if _, err := io.Copy(tw, src); err != nil {
		return fmt.Errorf("copying %s: %w", lf.path, err)
	}
	return nil
}
