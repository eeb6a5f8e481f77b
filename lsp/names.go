package lsp

import (
	"sort"
	"strconv"
	"strings"
)

// Names in a Dockerfile: build stages and ARG/ENV variables, resolved the way BuildKit resolves them.
// Definition, references, rename, highlight and the hovers on names read these.
//
// Scopes: an ARG before the first FROM is global and seen only by FROM lines (and later global ARGs); a
// stage sees its own ARGs and ENVs declared by earlier instructions, and the ENVs of the stage its FROM
// names. An ARG without a value inside a stage brings the global ARG of that name in. All the places of one
// variable (its declarations, its uses and the declarations it overrides or brings in) form one symbol.

// stageDef is one build stage.
type stageDef struct {
	index  int
	name   string // "" when it has no AS
	from   int    // token index of its FROM keyword
	decl   int    // token index of its name, -1 when unnamed
	parent int    // the stage its FROM names, -1 for an image
}

// resolveFromStages sorts the tokens and decides, for each word that names a stage in FROM, --from= or
// from=, whether it is a stage (by name, case-insensitively, or by index) or an image.
func (sx *syntax) resolveFromStages() {
	sort.SliceStable(sx.tokens, func(i, j int) bool {
		a, b := sx.tokens[i], sx.tokens[j]
		if a.line != b.line {
			return a.line < b.line
		}
		return a.start < b.start
	})
	for i := range sx.tokens {
		t := &sx.tokens[i]
		if t.kind == tokStageRef && sx.stageOf(*t) < 0 {
			t.kind = tokImage
		}
	}
}

// stages lists the build stages in order.
func (sx *syntax) stages() []stageDef {
	var out []stageDef
	for i, t := range sx.tokens {
		switch {
		case t.kind == tokKeyword && t.keyword == "FROM" && strings.EqualFold(t.text, "FROM") && t.stage == len(out):
			out = append(out, stageDef{index: t.stage, from: i, decl: -1, parent: -1})
		case t.kind == tokStageDecl && t.stage == len(out)-1:
			out[t.stage].decl, out[t.stage].name = i, t.text
		case t.kind == tokStageRef && t.keyword == "FROM" && t.flag == "" && t.stage == len(out)-1:
			out[t.stage].parent = sx.stageOf(t)
		}
	}
	return out
}

// stageOf returns the stage a stage reference names, -1 when none: a name of an earlier stage, or a
// number below the reference's own stage.
func (sx *syntax) stageOf(t token) int {
	if t.kind != tokStageRef && t.kind != tokImage {
		return -1
	}
	if n, err := strconv.Atoi(t.text); err == nil {
		if n >= 0 && n < t.stage {
			return n
		}
		return -1
	}
	for _, d := range sx.tokens {
		if d.kind == tokStageDecl && d.stage < t.stage && strings.EqualFold(d.text, t.text) {
			return d.stage
		}
	}
	return -1
}

// isVar reports whether a token names a variable.
func isVar(t token) bool { return t.kind == tokVarDecl || t.kind == tokVarRef }

// varDeclBefore returns the declaration of name that an instruction instr in stage sees, -1 when none.
func (sx *syntax) varDeclBefore(name string, stage, instr int, fromLine bool) int {
	last := -1
	scope := stage
	if fromLine {
		scope = -1
	}
	for i, t := range sx.tokens {
		if t.kind == tokVarDecl && t.stage == scope && t.instr < instr && t.text == name {
			last = i
		}
	}
	if last >= 0 || scope < 0 {
		return last
	}
	st := sx.stages()
	seen := map[int]bool{}
	for p := st[stage].parent; p >= 0 && !seen[p]; p = st[p].parent {
		seen[p] = true
		for i, t := range sx.tokens {
			if t.kind == tokVarDecl && t.stage == p && t.keyword == "ENV" && t.text == name {
				last = i
			}
		}
		if last >= 0 {
			return last
		}
	}
	return -1
}

// definitionOf returns the declaration a variable token refers to: for a use, the declaration it sees;
// for an ARG without a value inside a stage, the global ARG it brings in; for another declaration, itself.
// -1 when the variable is not declared in the Dockerfile.
func (sx *syntax) definitionOf(i int) int {
	t := sx.tokens[i]
	switch {
	case t.kind == tokVarRef:
		return sx.varDeclBefore(t.text, t.stage, t.instr, t.keyword == "FROM" || t.stage < 0)
	case t.kind == tokVarDecl && t.keyword == "ARG" && t.stage >= 0 && !t.hasValue:
		if g := sx.varDeclBefore(t.text, t.stage, t.instr, true); g >= 0 {
			return g
		}
	}
	return i
}

// variable returns the token indexes of every place of the variable at token i, in document order.
func (sx *syntax) variable(i int) []int {
	parent := make([]int, len(sx.tokens))
	for k := range parent {
		parent[k] = k
	}
	find := func(k int) int {
		for parent[k] != k {
			parent[k] = parent[parent[k]]
			k = parent[k]
		}
		return k
	}
	union := func(a, b int) { parent[find(a)] = find(b) }
	free := map[string]int{} // undeclared uses, one symbol per stage and name
	for k, t := range sx.tokens {
		if !isVar(t) || t.text != sx.tokens[i].text {
			continue
		}
		if d := sx.definitionOf(k); d != k && d >= 0 {
			union(k, d)
		} else if t.kind == tokVarRef {
			key := strconv.Itoa(t.stage) + "\x00" + t.text
			if f, ok := free[key]; ok {
				union(k, f)
			} else {
				free[key] = k
			}
		}
		if t.kind == tokVarDecl {
			// A declaration overrides the one it sees: the same variable.
			if d := sx.varDeclBefore(t.text, t.stage, t.instr, t.stage < 0); d >= 0 {
				union(k, d)
			}
		}
	}
	var out []int
	root := find(i)
	for k, t := range sx.tokens {
		if isVar(t) && find(k) == root {
			out = append(out, k)
		}
	}
	return out
}

// stage returns the token indexes of a stage's name and of every reference to it, in document order.
func (sx *syntax) stage(index int) []int {
	var out []int
	for k, t := range sx.tokens {
		switch {
		case t.kind == tokStageDecl && t.stage == index:
			out = append(out, k)
		case t.kind == tokStageRef && sx.stageOf(t) == index:
			out = append(out, k)
		}
	}
	return out
}

// symbolAt returns the index of the name (variable or stage) under a 0-based line and byte column.
func (sx *syntax) symbolAt(line, col int) (int, bool) {
	best := -1
	for k, t := range sx.tokens {
		if t.line != line || col < t.start || col > t.end {
			continue
		}
		if isVar(t) || t.kind == tokStageDecl || t.kind == tokStageRef {
			// Prefer the token that starts at the cursor over one that ends there.
			if best < 0 || col < t.end {
				best = k
			}
		}
	}
	return best, best >= 0
}

// places returns the tokens of the symbol at token k: a variable's places or a stage's name and uses.
func (sx *syntax) places(k int) []int {
	t := sx.tokens[k]
	if isVar(t) {
		return sx.variable(k)
	}
	if t.kind == tokStageDecl {
		return sx.stage(t.stage)
	}
	if s := sx.stageOf(t); s >= 0 {
		return sx.stage(s)
	}
	return nil
}

// declared reports whether some place of a symbol declares it in this Dockerfile.
func (sx *syntax) declared(places []int) bool {
	for _, k := range places {
		if sx.tokens[k].kind == tokVarDecl || sx.tokens[k].kind == tokStageDecl {
			return true
		}
	}
	return false
}
