package lsp

import (
	"fmt"
	"regexp"

	"go.lsp.dev/protocol"
)

// ErrNotRenamable is the message of a rename refused at a place that names no stage or variable of the
// Dockerfile.
const ErrNotRenamable = "nothing to rename here: put the cursor on a stage name or an ARG/ENV variable declared in this Dockerfile"

// stageNamePattern is what BuildKit accepts as a stage name.
var stageNamePattern = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9\-_\.]*$`)

// PrepareRename returns the range of the name at pos when it can be renamed: a named stage (not a
// reference by number) or a variable the Dockerfile declares.
func PrepareRename(snap *Snapshot, pos protocol.Position) (*protocol.Range, error) {
	sx, k, ok := nameAt(snap, pos)
	if !ok {
		return nil, fmt.Errorf("%s", ErrNotRenamable)
	}
	t := sx.tokens[k]
	places := sx.places(k)
	if !sx.declared(places) || isNumber(t.text) {
		return nil, fmt.Errorf("%s", ErrNotRenamable)
	}
	r := snap.tokenRange(t)
	return &r, nil
}

// Rename renames the stage or variable at pos everywhere in the Dockerfile. A stage referred to by its
// number keeps the number.
func Rename(snap *Snapshot, pos protocol.Position, newName string) (*protocol.WorkspaceEdit, error) {
	if _, err := PrepareRename(snap, pos); err != nil {
		return nil, err
	}
	sx, k, _ := nameAt(snap, pos)
	t := sx.tokens[k]
	if isVar(t) && !validVarName(newName) {
		return nil, fmt.Errorf("%q is not a variable name: use letters, digits and _, not starting with a digit", newName)
	}
	if !isVar(t) && !stageNamePattern.MatchString(newName) {
		return nil, fmt.Errorf("%q is not a stage name: start with a letter, then letters, digits, -, _ or dots", newName)
	}
	edits := []protocol.TextEdit{}
	for _, p := range sx.places(k) {
		if pt := sx.tokens[p]; !isNumber(pt.text) {
			edits = append(edits, protocol.TextEdit{Range: snap.tokenRange(pt), NewText: newName})
		}
	}
	return &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{snap.URI: edits}}, nil
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
