package lsp

import (
	"fmt"
	"strings"

	"go.lsp.dev/protocol"
)

// syntaxHover describes the word at pos when it is a flag, a --mount key, a variable or a stage: the
// flag's meaning, the variable's value at that point and where it comes from, the stage's FROM. Nil for
// anything else (the instruction's own hover then answers).
func syntaxHover(snap *Snapshot, pos protocol.Position) *protocol.Hover {
	if snap == nil || snap.lines == nil {
		return nil
	}
	col, ok := snap.lines.byteCol(pos)
	if !ok {
		return nil
	}
	sx := scanSyntax(snap)
	k := -1
	for i, t := range sx.tokens {
		if t.line == int(pos.Line) && col >= t.start && col < t.end {
			k = i
		}
	}
	if k < 0 {
		return nil
	}
	t := sx.tokens[k]
	var b strings.Builder
	switch t.kind {
	case tokFlag:
		f, ok := flagOf(t.keyword, t.flag)
		if !ok {
			return nil
		}
		fmt.Fprintf(&b, "**--%s** (%s) — %s", f.Name, t.keyword, f.Doc)
		if len(f.Values) > 0 {
			fmt.Fprintf(&b, "\n\nValues: `%s`", strings.Join(f.Values, "`, `"))
		}
	case tokMountKey:
		f, ok := flagOf("--mount", mountKeyName(t.text))
		if !ok {
			return nil
		}
		fmt.Fprintf(&b, "**%s** (RUN --mount) — %s", t.text, f.Doc)
	case tokVarDecl, tokVarRef:
		sx.describeVariable(snap, &b, k)
	case tokStageDecl, tokStageRef:
		s := sx.stageOf(t)
		if t.kind == tokStageDecl {
			s = t.stage
		}
		if s < 0 {
			return nil
		}
		st := sx.stages()[s]
		from := sx.tokens[st.from]
		fmt.Fprintf(&b, "**stage %d**", s)
		if st.name != "" {
			fmt.Fprintf(&b, " `%s`", st.name)
		}
		fmt.Fprintf(&b, ", line %d:\n\n```dockerfile\n%s\n```", from.line+1, strings.TrimSpace(snap.lines.line(from.line)))
	default:
		return nil
	}
	r := snap.tokenRange(t)
	return &protocol.Hover{Contents: protocol.MarkupContent{Kind: protocol.Markdown, Value: b.String()}, Range: &r}
}

// describeVariable writes a variable's value at the token and the declaration it comes from.
func (sx *syntax) describeVariable(snap *Snapshot, b *strings.Builder, k int) {
	t := sx.tokens[k]
	d := sx.definitionOf(k)
	if d < 0 {
		fmt.Fprintf(b, "**$%s** — not declared in this Dockerfile: ", t.text)
		if t.stage >= 0 && (t.keyword == "RUN" || t.keyword == "CMD" || t.keyword == "ENTRYPOINT") {
			b.WriteString("it comes from the base image's environment or the shell, if anywhere.")
		} else {
			b.WriteString("BuildKit expands it to an empty string unless the base image's environment sets it.")
		}
		return
	}
	decl := sx.tokens[d]
	if t.kind == tokVarDecl && d == k && t.keyword == "ARG" && !t.hasValue {
		fmt.Fprintf(b, "**%s** — a build argument without a default: empty unless given with `--build-arg %s=…`.", t.text, t.text)
		return
	}
	// An ARG without a value that brings in a global ARG shows the global's default.
	if decl.keyword == "ARG" && !decl.hasValue && decl.stage >= 0 {
		if g := sx.definitionOf(d); g >= 0 && g != d {
			decl = sx.tokens[g]
		}
	}
	if decl.hasValue {
		fmt.Fprintf(b, "**%s** = `%s`", t.text, strings.ReplaceAll(decl.value, "`", "'"))
	} else {
		fmt.Fprintf(b, "**%s** — no default: empty unless given with `--build-arg %s=…`", t.text, t.text)
	}
	where := "the build argument"
	if decl.keyword == "ENV" {
		where = "the environment variable"
		if decl.stage != t.stage {
			where += fmt.Sprintf(" of stage %d", decl.stage)
		}
	} else if decl.stage < 0 {
		where = "the global build argument"
	}
	if decl.keyword == "ARG" && decl.hasValue {
		where += fmt.Sprintf(" (default; `--build-arg %s=…` overrides it)", t.text)
	}
	fmt.Fprintf(b, "\n\nFrom %s on line %d:\n\n```dockerfile\n%s\n```", where, decl.line+1, strings.TrimSpace(snap.lines.line(decl.line)))
}

// mountKeyName maps the aliases of --mount keys to their names.
func mountKeyName(key string) string {
	switch strings.ToLower(key) {
	case "dst", "destination":
		return "target"
	case "src":
		return "source"
	case "ro", "rw":
		return "readonly"
	}
	return strings.ToLower(key)
}
