package history

import (
	"errors"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/layerlint/layerlint/layerdiff"
)

// literalImage is an image whose history is given and whose layers are empty: enough to align.
func literalImage(hist ...v1.History) *layerdiff.Image {
	img := &layerdiff.Image{Name: "literal", Config: &v1.ConfigFile{History: hist}}
	for _, h := range hist {
		if !h.EmptyLayer {
			img.Layers = append(img.Layers, new(layerdiff.LayerIndex).Listing())
		}
	}
	return img
}

func layer(createdBy string) v1.History { return v1.History{CreatedBy: createdBy} }
func empty(createdBy string) v1.History { return v1.History{CreatedBy: createdBy, EmptyLayer: true} }

func parseDockerfile(t *testing.T, text string) *parser.Result {
	t.Helper()
	df, err := parser.Parse(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return df
}

const multiStage = `FROM debian:bookworm AS build
ARG GO=1.22
RUN --mount=type=cache,target=/var/cache/apt apt-get update \
 && apt-get install -y gcc
FROM build
WORKDIR /src
COPY --chown=1000 . .
RUN ["make", "all"]
ENV A=b C="d e"
LABEL x=1
EXPOSE 8080 53/udp
VOLUME /data
USER app
ENTRYPOINT ["/bin/app"]
CMD ["--serve"]
ONBUILD RUN echo
HEALTHCHECK CMD true
`

// wantLines are the Dockerfile lines of multiStage's instructions, in order (FROM lines excluded).
var wantLines = []int{2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}

func TestAlignDialects(t *testing.T) {
	base := []v1.History{layer("/bin/sh -c #(nop) ADD file:6b8d5c1b2a in / "), empty(`/bin/sh -c #(nop)  CMD ["bash"]`)}
	tests := []struct {
		name       string
		dockerfile string
		hist       []v1.History
		noHistory  []int // lines of instructions the builder wrote no entry for
	}{{
		name:       "buildkit",
		dockerfile: multiStage,
		hist: []v1.History{
			empty("ARG GO=1.22"),
			layer("RUN |1 GO=1.22 /bin/sh -c apt-get update  && apt-get install -y gcc # buildkit"),
			layer("WORKDIR /src"), // BuildKit makes a layer for a new WORKDIR
			layer("COPY --chown=1000 . . # buildkit"),
			layer("RUN |1 GO=1.22 make all # buildkit"),
			empty("ENV A=b C=d e"),
			empty("LABEL x=1"),
			empty("EXPOSE map[53/udp:{} 8080/tcp:{}]"),
			empty("VOLUME [/data]"),
			empty("USER app"),
			empty(`ENTRYPOINT ["/bin/app"]`),
			empty(`CMD ["--serve"]`),
			empty("HEALTHCHECK &{[CMD-SHELL true] 0s 0s 0s 0s 0}"),
		},
		noHistory: []int{16}, // BuildKit records no ONBUILD
	}, {
		name:       "legacy",
		dockerfile: multiStage,
		hist: []v1.History{
			empty("/bin/sh -c #(nop)  ARG GO=1.22"),
			layer("|1 GO=1.22 /bin/sh -c apt-get update  && apt-get install -y gcc"),
			empty("/bin/sh -c #(nop) WORKDIR /src"),
			layer("/bin/sh -c #(nop) COPY dir:1e2d3c4b in . "),
			layer("|1 GO=1.22 make all"),
			empty(`/bin/sh -c #(nop)  ENV A=b C="d e"`),
			empty("/bin/sh -c #(nop)  LABEL x=1"),
			empty("/bin/sh -c #(nop)  EXPOSE 53/udp 8080/tcp"),
			empty("/bin/sh -c #(nop)  VOLUME [/data]"),
			empty("/bin/sh -c #(nop)  USER app"),
			empty(`/bin/sh -c #(nop)  ENTRYPOINT ["/bin/app"]`),
			empty(`/bin/sh -c #(nop)  CMD ["--serve"]`),
			empty("/bin/sh -c #(nop)  ONBUILD RUN echo"),
			empty(`/bin/sh -c #(nop)  HEALTHCHECK &{["CMD-SHELL" "true"] "0s" "0s" "0s" "0s" '\x00'}`),
		},
	}, {
		name:       "buildah",
		dockerfile: multiStage,
		hist: []v1.History{
			empty("/bin/sh -c #(nop) ARG GO"),
			layer("/bin/sh -c --mount=type=cache,target=/var/cache/apt apt-get update  && apt-get install -y gcc"),
			empty("/bin/sh -c #(nop) WORKDIR /src"),
			layer("/bin/sh -c #(nop) COPY dir:1e2d3c4b in . "),
			layer(`/bin/sh -c ["make", "all"]`),
			empty(`/bin/sh -c #(nop) ENV A=b C="d e"`),
			empty("/bin/sh -c #(nop) LABEL x=1"),
			empty("/bin/sh -c #(nop) EXPOSE 8080 53/udp"),
			empty("/bin/sh -c #(nop) VOLUME /data"),
			empty("/bin/sh -c #(nop) USER app"),
			empty(`/bin/sh -c #(nop) ENTRYPOINT ["/bin/app"]`),
			empty(`/bin/sh -c #(nop) CMD ["--serve"]`),
			empty("/bin/sh -c #(nop) ONBUILD RUN echo"),
			empty("/bin/sh -c #(nop) HEALTHCHECK CMD true"),
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := literalImage(append(base[:len(base):len(base)], tt.hist...)...)
			steps, err := Align(img, parseDockerfile(t, tt.dockerfile))
			if err != nil {
				t.Fatal(err)
			}
			if want := len(base) + len(tt.hist) + len(tt.noHistory); len(steps) != want {
				t.Fatalf("%d steps, want %d", len(steps), want)
			}
			for i, s := range steps[:len(base)] {
				if !s.Base || s.Line != 0 || s.History != i {
					t.Errorf("step %d = %+v, want base step for history entry %d", i, s, i)
				}
			}
			layer, hist := 1, len(base) // the base has one layer
			for i, s := range steps[len(base):] {
				if s.Base || s.Line != wantLines[i] {
					t.Fatalf("step %d: line %d base %v, want line %d", len(base)+i, s.Line, s.Base, wantLines[i])
				}
				if containsInt(tt.noHistory, s.Line) {
					if s.History != -1 || s.Layer != -1 || !s.Empty {
						t.Errorf("line %d: %+v, want no history entry", s.Line, s)
					}
					continue
				}
				if s.History != hist {
					t.Errorf("line %d: history entry %d, want %d", s.Line, s.History, hist)
				}
				h := img.Config.History[hist]
				if s.CreatedBy != h.CreatedBy || s.Empty != h.EmptyLayer {
					t.Errorf("line %d: created_by %q empty %v, want %q %v", s.Line, s.CreatedBy, s.Empty, h.CreatedBy, h.EmptyLayer)
				}
				wantLayer := -1
				if !h.EmptyLayer {
					wantLayer = layer
					layer++
				}
				if s.Layer != wantLayer {
					t.Errorf("line %d: layer %d, want %d", s.Line, s.Layer, wantLayer)
				}
				if (s.Line < 5 && s.Stage != 0) || (s.Line > 5 && s.Stage != 1) {
					t.Errorf("line %d: stage %d", s.Line, s.Stage)
				}
				hist++
			}
		})
	}
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func TestAlignHeredoc(t *testing.T) {
	df := "FROM alpine\nRUN <<EOF\nset -e\napk add git\nEOF\nRUN <<EOF cat > /etc/motd\nhello\nEOF\n"
	img := literalImage(
		layer("/bin/sh -c #(nop) ADD file:abc in / "),
		layer("RUN /bin/sh -c set -e\napk add git\n # buildkit"),
		layer("RUN /bin/sh -c <<EOF cat > /etc/motd\nhello\nEOF # buildkit"),
	)
	steps, err := Align(img, parseDockerfile(t, df))
	if err != nil {
		t.Fatal(err)
	}
	if steps[1].Line != 2 || steps[1].EndLine != 5 || steps[2].Line != 6 || steps[2].Layer != 2 {
		t.Errorf("steps = %+v", steps)
	}
}

func TestAlignMismatch(t *testing.T) {
	tests := []struct {
		name        string
		dockerfile  string
		hist        []v1.History
		line, entry int
		reason      string
	}{{
		name:       "run differs",
		dockerfile: "FROM x\nRUN make\nCMD [\"a\"]\n",
		hist:       []v1.History{layer("RUN /bin/sh -c make test # buildkit"), empty(`CMD ["a"]`)},
		line:       2, entry: 0, reason: "RUN command differs",
	}, {
		name:       "instruction missing from the image",
		dockerfile: "FROM x\nRUN make\nENV A=1\nCMD [\"a\"]\n",
		hist:       []v1.History{layer("/bin/sh -c make"), empty(`/bin/sh -c #(nop)  CMD ["a"]`)},
		line:       3, entry: 1, reason: "want ENV, history entry is CMD",
	}, {
		name:       "copy destination",
		dockerfile: "FROM x\nCOPY a /srv/\n",
		hist:       []v1.History{layer("/bin/sh -c #(nop) COPY file:abc in /app/ ")},
		line:       2, entry: 0, reason: "COPY destination /srv/",
	}, {
		name:       "history too short",
		dockerfile: "FROM x\nWORKDIR /a\nUSER app\n",
		hist:       []v1.History{empty("USER app")},
		line:       2, entry: 0, reason: "want WORKDIR, history entry is USER",
	}, {
		name:       "env value",
		dockerfile: "FROM x\nENV MODE=prod\n",
		hist:       []v1.History{empty("ENV MODE=dev")},
		line:       2, entry: 0, reason: "MODE=prod",
	}, {
		name:       "exposed ports",
		dockerfile: "FROM x\nEXPOSE 80\n",
		hist:       []v1.History{empty("EXPOSE map[80/udp:{}]")},
		line:       2, entry: 0, reason: "EXPOSE ports",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Align(literalImage(tt.hist...), parseDockerfile(t, tt.dockerfile))
			var me *MismatchError
			if !errors.As(err, &me) {
				t.Fatalf("err = %v, want a *MismatchError", err)
			}
			if me.Line != tt.line || me.History != tt.entry || !strings.Contains(me.Reason, tt.reason) {
				t.Errorf("got line %d history %d reason %q, want line %d history %d reason containing %q",
					me.Line, me.History, me.Reason, tt.line, tt.entry, tt.reason)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "line ") {
				t.Errorf("message %q: want one line naming the line", msg)
			}
		})
	}
}

func TestAlignBadImages(t *testing.T) {
	img := literalImage(layer("/bin/sh -c make"))
	img.Layers = append(img.Layers, new(layerdiff.LayerIndex).Listing())
	if _, err := Align(img, nil); err == nil || !strings.Contains(err.Error(), "history records 1 layers, the image has 2") {
		t.Errorf("err = %v", err)
	}
	noHist := &layerdiff.Image{Name: "bare", Config: &v1.ConfigFile{}, Layers: []*layerdiff.Listing{new(layerdiff.LayerIndex).Listing(), new(layerdiff.LayerIndex).Listing()}}
	steps, err := Align(noHist, nil)
	if err != nil || len(steps) != 2 || steps[1].Layer != 1 || steps[1].Base { // no Dockerfile: nothing says where the base ends
		t.Errorf("no history: steps %+v, err %v", steps, err)
	}
	var me *MismatchError
	if _, err := Align(noHist, parseDockerfile(t, "FROM x\nRUN a\n")); !errors.As(err, &me) {
		t.Errorf("dockerfile against an image without history: err = %v", err)
	}
	if _, err := Align(literalImage(), parseDockerfile(t, "FROM x\nFROBNICATE\n")); err == nil {
		t.Error("unknown instruction: no error")
	}
	if _, err := Align(literalImage(), parseDockerfile(t, "FROM x AS a\n"), WithTarget("b")); err == nil {
		t.Error("unknown target: no error")
	}
}
