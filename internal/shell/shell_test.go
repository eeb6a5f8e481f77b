package shell

import (
	"strings"
	"testing"
)

// programs renders a script's commands as program:op, with "+" per depth.
func programs(s *Script) string {
	var got []string
	for _, c := range s.Commands {
		got = append(got, strings.Repeat("+", c.Depth)+c.Program()+":"+c.Op)
	}
	return strings.Join(got, " ")
}

func TestParse(t *testing.T) {
	tests := []struct {
		script string
		want   string // commands as program:op, space separated
	}{
		{"apt-get update && apt-get install -y x", "apt-get:&& apt-get:"},
		{"a; b || c | d & e", "a:; b:|| c:| d:& e:"},
		{"set -e\nfoo \\\n  bar\n# comment && x\nbaz", "set:\n foo:\n baz:"},
		{`echo "a && b" 'c; d'`, "echo:"},
		{"sudo DEBIAN_FRONTEND=noninteractive apt-get install x", "apt-get:"},
		{"cat <<EOF > /f", "cat:"},
		{"(cd /x && make) > /log 2>&1", "+cd:&& +make:) :"}, // the redirection of the subshell
		// xargs and other wrappers run the command after their options.
		{"echo a b | xargs -n 1 -I{} apt-get install -y {}", "echo:| apt-get:"},
		{"find . -name '*.pyc' -print0 | xargs -0 rm -f", "find:| rm:"},
		{"timeout 10 env -u X A=b nice -n 5 make", "make:"},
		{"command -v apt-get && apt-get update", "command:&& apt-get:"},
		// A here-document's body is data, not commands.
		{"cat > /etc/x <<EOF\napt-get update\nEOF\napk add y", "cat:\n apk:"},
		{"cat <<-'EOT' | tee /f\n\tnot a command\n\tEOT\nls", "cat:| tee:\n ls:"},
		// Scripts run by a shell are read too, one level deeper.
		{`sh -c 'apt-get update && apt-get install -y curl' && ls`, "sh:&& +apt-get:&& +apt-get: ls:"},
		{"bash -euxo pipefail -c \"cd /x; make\"", "bash: +cd:; +make:"},
		{"bash <<EOF\napt-get update\nEOF\nls", "bash:\n +apt-get:\n ls:"},
		{"python3 <<EOF\nimport os\nEOF", "python3:\n"},
		{"su -c 'make install' builder", "su: +make:"},
		{"> /f", ":"},
		{"case $x in a) b ;; esac", "case:) b:;; esac:"}, // case patterns are not subshells; good enough
	}
	for _, tt := range tests {
		if got := programs(Parse(tt.script)); got != tt.want {
			t.Errorf("Parse(%q) = %q, want %q", tt.script, got, tt.want)
		}
	}
	s := Parse(`echo "a&&b" x`)
	if w := s.Commands[0].Words[1]; w.Text != "a&&b" || w.Start != 5 || w.End != 11 {
		t.Errorf("quoted word = %+v", w)
	}
	if !Parse("set -eux\nx").ErrExit || Parse("set -x").ErrExit || !Parse("bash <<EOF\n#!/bin/sh -e\nx\nEOF").ErrExit {
		t.Error("set -e detection is wrong")
	}
	// A nested script's words keep their offsets in the outer text.
	src := `sh -c 'rm -rf /tmp/x'`
	s = Parse(src)
	if len(s.Commands) != 2 {
		t.Fatalf("commands: %s", programs(s))
	}
	w := s.Commands[1].Words[2]
	if src[w.Start:w.End] != "/tmp/x" {
		t.Errorf("nested word %+v is %q in the source", w, src[w.Start:w.End])
	}
	// Here-document bodies keep theirs.
	src = "cat > /f <<EOF\nhello\nEOF\n"
	h := Parse(src).Commands[0].Heredocs[0]
	if h.Body != "hello\n" || src[h.Start:h.Start+5] != "hello" || h.Delim != "EOF" {
		t.Errorf("heredoc %+v", h)
	}
}

func TestOperands(t *testing.T) {
	tests := []struct {
		script, want string
	}{
		{"apt-get -o Dpkg::Options::=--force-confnew -y install curl", "install curl"},
		{"yarn install --network-timeout 600000 --frozen-lockfile", "install"},
		{"npm ci --loglevel warn", "ci"},
		{"npm install --prefix /app", "install"},
		{"pip install -r requirements.txt --index-url http://x flask", "install flask"},
		{"tar -xzf a.tgz -C /opt --strip-components 1", ""},
		{"git clone --depth 1 -b main https://x/y.git /src", "clone https://x/y.git /src"},
		{"rm -rf -- -odd /x", "-odd /x"},
		{"curl -fsSLo /tmp/a.tgz https://x/a.tgz", "https://x/a.tgz"},
	}
	for _, tt := range tests {
		var got []string
		for _, w := range Parse(tt.script).Commands[0].Operands() {
			got = append(got, w.Text)
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("Operands(%q) = %q, want %q", tt.script, g, tt.want)
		}
	}
	if s := Parse("apt-get -qq -o X=y update").Commands[0].Subcommand(); s != "update" {
		t.Errorf("subcommand %q", s)
	}
}

func TestCreatesDeletes(t *testing.T) {
	tests := []struct {
		script  string
		creates string // path:kind, space separated, for every command
		deletes string
	}{
		{"dd if=/dev/zero of=/opt/big bs=1M count=31", "/opt/big:1", ""},
		{"echo hi > out.txt 2>&1 >/dev/null", "out.txt:1", ""},
		{"curl -fsSL https://x/a.tar.gz -o /tmp/a.tgz", "/tmp/a.tgz:2", ""},
		{"curl -fsSLO https://x/a.tar.gz?x=1", "a.tar.gz:2", ""},
		{"curl -s https://x/k.asc > key.asc", "key.asc:2", ""},
		{"wget -q https://x/dl/b.zip", "b.zip:2", ""},
		{"wget -qO- https://x/a | sh", "", ""},
		{"wget -P /tmp https://x/c.deb", "/tmp/c.deb:2", ""},
		{"git clone --depth 1 https://github.com/a/b.git", "b:3", ""},
		{"cp a b /opt/", "/opt/a:1 /opt/b:1", ""},
		{"cp -r src /app", "/app:3", ""},
		{"mv /tmp/x.bin /usr/local/bin/x", "/usr/local/bin/x:1", "/tmp/x.bin"},
		{"tee /etc/a /etc/b < in", "/etc/a:1 /etc/b:1", ""},
		{"mkdir -p /a /b && touch /c", "/a:5 /b:5 /c:5", ""},
		{"tar -xzf a.tgz -C /opt/a", "/opt/a:4", ""},
		{"tar xzf a.tgz", ".:4", ""},
		{"tar --extract --file=a.tgz --directory=/x", "/x:4", ""},
		{"tar -czf /out.tgz src", "/out.tgz:1", ""},
		{"unzip -q a.zip -d /opt/a", "/opt/a:4", ""},
		{"unzip a.zip", ".:4", ""},
		{"gunzip data.csv.gz", "data.csv:1", "data.csv.gz"},
		{"gunzip -c data.csv.gz > d.csv", "d.csv:1", ""},
		{"go build -o /bin/app ./cmd/app", "/bin/app:1", ""},
		{"install -m 755 tool /usr/local/bin/tool", "/usr/local/bin/tool:1", ""},
		{"rm -rf /var/lib/apt/lists/* /tmp/x", "", "/var/lib/apt/lists/* /tmp/x"},
		{"find /usr -name '*.pyc' -delete", "", "/usr"},
		{"find /tmp -type f -exec rm -f {} +", "", "/tmp"},
		{"find . -name x", "", ""},
		{"sudo rm -f /a", "", "/a"},
	}
	for _, tt := range tests {
		var cr, del []string
		for _, c := range Parse(tt.script).Commands {
			for _, p := range c.Creates() {
				cr = append(cr, p.Text+":"+string(rune('0'+p.Kind)))
			}
			for _, p := range c.Deletes() {
				del = append(del, p.Text)
			}
		}
		if g := strings.Join(cr, " "); g != tt.creates {
			t.Errorf("Creates(%q) = %q, want %q", tt.script, g, tt.creates)
		}
		if g := strings.Join(del, " "); g != tt.deletes {
			t.Errorf("Deletes(%q) = %q, want %q", tt.script, g, tt.deletes)
		}
	}
}

func TestUnpacks(t *testing.T) {
	for script, want := range map[string]string{
		"tar -xzf /tmp/a.tgz -C /opt":     "/tmp/a.tgz",
		"tar xJf b.tar.xz":                "b.tar.xz",
		"tar -czf out.tgz src":            "",
		"tar --extract --file=/c.tar":     "/c.tar",
		"curl -L u | tar -xz -C /opt":     "",
		"unzip -q /tmp/d.zip -d /opt":     "/tmp/d.zip",
		"gunzip -f e.gz":                  "e.gz",
		"dpkg -i /tmp/f.deb":              "/tmp/f.deb",
		"apt-get install -y ./g.deb curl": "./g.deb",
		"7z x h.7z -o/opt":                "h.7z",
	} {
		var got []string
		for _, c := range Parse(script).Commands {
			for _, w := range c.Unpacks() {
				got = append(got, w.Text)
			}
		}
		if g := strings.Join(got, " "); g != want {
			t.Errorf("Unpacks(%q) = %q, want %q", script, g, want)
		}
	}
}

func TestWalk(t *testing.T) {
	s := Parse("cd /a && x; (cd b && y); z; sh -c 'cd /c && w'; v; cd $D; u; cd /e; cd f; t")
	var got []string
	Walk(s, "/w", func(c Command, cwd string) {
		if p := c.Program(); p != "cd" && p != "sh" {
			got = append(got, p+"@"+cwd)
		}
	})
	want := "x@/a y@/a/b z@/a w@/c v@/a u@ t@/e/f"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("Walk = %q, want %q", g, want)
	}
	for _, tt := range []struct{ dir, p, want string }{
		{"/app", "x/", "/app/x"}, {"/", "~/.cache", "/root/.cache"}, {"/x", "/var/lib/apt/lists/*", "/var/lib/apt/lists"},
		{"", "rel", ""}, {"", "/abs/.", "/abs"}, {"/a", "$HOME/.npm", "/root/.npm"},
	} {
		if g := Resolve(tt.dir, tt.p); g != tt.want {
			t.Errorf("Resolve(%q, %q) = %q, want %q", tt.dir, tt.p, g, tt.want)
		}
	}
}

// FuzzParse checks that no script crashes the parser, and that every word,
// redirection target and here-document of the result lies within the text.
func FuzzParse(f *testing.F) {
	f.Add(`apt-get update && apt-get install -y "a b" || true; echo 'x' | tee /f 2>&1 > /dev/null`)
	f.Add("set -eux; \\\n cd /x && $(echo a) `b` # c")
	f.Add("cat <<-EOF | sh\n\tapt-get update\n\tEOF\n(cd /x; sh -c 'rm -rf \"$y\"')")
	f.Add("tar -xzf a.tgz -C /o; curl -fsSLo f u; xargs -I{} rm {}; bash <<'E'\nx\nE")
	f.Fuzz(func(t *testing.T, script string) {
		s := Parse(script)
		check := func(what string, w Word) {
			if w.Start < 0 || w.End > len(script)+1 || w.End < w.Start {
				t.Fatalf("%s %q at %d-%d outside script of %d bytes", what, w.Text, w.Start, w.End, len(script))
			}
		}
		for _, c := range s.Commands {
			for _, w := range c.Words {
				check("word", w)
			}
			for _, r := range c.Redirects {
				check("redirect", r.Target)
			}
			for _, h := range c.Heredocs {
				if h.Start < 0 || h.Start > len(script)+1 {
					t.Fatalf("heredoc at %d outside script of %d bytes", h.Start, len(script))
				}
			}
			for _, p := range append(c.Creates(), c.Deletes()...) {
				check("path", p.Word)
			}
		}
		Walk(s, "/", func(Command, string) {})
	})
}

func TestFieldsUnquote(t *testing.T) {
	for text, want := range map[string]string{
		`A=1 B="two words" C='it''s' D=a\ b`: `A=1|B=two words|C=its|D=a b`,
		"  x\t\ny  ":                         `x|y`,
		`"" ''`:                              `|`,
		`a;b|c`:                              `a;b|c`,
	} {
		if got := strings.Join(Fields(text), "|"); got != want {
			t.Errorf("Fields(%q) = %q, want %q", text, got, want)
		}
	}
	for text, want := range map[string]string{
		`"8080/tcp"`: `8080/tcp`, `'a b' c`: `a b c`, `a\"b`: `a"b`, `"a\\b"`: `a\b`,
	} {
		if got := Unquote(text); got != want {
			t.Errorf("Unquote(%q) = %q, want %q", text, got, want)
		}
	}
}
