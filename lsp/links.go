package lsp

import (
	"regexp"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/lint"
)

// DocumentLinks links the images the Dockerfile names (FROM, COPY --from=, --mount=from=) to their pages
// on Docker Hub, GitHub's or Quay's registry, and the rule names of "# layerlint ignore=" and
// "# check=skip=" to their docs.
func DocumentLinks(snap *Snapshot) []protocol.DocumentLink {
	out := []protocol.DocumentLink{}
	if snap == nil || snap.lines == nil {
		return out
	}
	for _, t := range scanSyntax(snap).tokens {
		switch t.kind {
		case tokImage:
			if u := imagePage(t.text); u != "" {
				out = append(out, protocol.DocumentLink{Range: snap.tokenRange(t), Target: protocol.DocumentURI(u), Tooltip: "the image's page"})
			}
		case tokComment, tokDirective:
			for _, m := range ruleList.FindAllStringSubmatchIndex(t.text, -1) {
				list := t.text[m[2]:m[3]]
				off := t.start + m[2]
				for _, name := range strings.Split(list, ",") {
					trimmed := strings.TrimSpace(name)
					lead := len(name) - len(strings.TrimLeft(name, " \t"))
					if u := ruleURL(trimmed); u != "" {
						r := snap.tokenRange(token{line: t.line, start: off + lead, end: off + lead + len(trimmed)})
						out = append(out, protocol.DocumentLink{Range: r, Target: protocol.DocumentURI(u), Tooltip: "the rule's documentation"})
					}
					off += len(name) + 1
				}
			}
		}
	}
	return out
}

// ruleList finds the rule names of "# layerlint ignore=A,B" and "# check=skip=A,B".
var ruleList = regexp.MustCompile(`(?:layerlint\s+ignore|skip)=([A-Za-z0-9_, \t]+)`)

// ruleURL returns the docs of a layerlint rule or BuildKit check, "" for an unknown name.
func ruleURL(name string) string {
	if r, ok := lint.Lookup(name); ok {
		return r.URL
	}
	for _, c := range lint.BuildKitChecks() {
		if c.Name == name {
			return c.URL
		}
	}
	return ""
}

// imagePage returns the web page of an image reference on the registries that have one per repository, ""
// for others, for scratch and for names with variables (a tag with variables is fine).
func imagePage(ref string) string {
	name, _, _ := strings.Cut(ref, "@")
	if slash := strings.LastIndexByte(name, '/'); strings.LastIndexByte(name, ':') > slash {
		name = name[:strings.LastIndexByte(name, ':')] // the tag, which may hold variables
	}
	if name == "" || strings.ContainsAny(name, "$ \"'") || strings.EqualFold(name, "scratch") {
		return ""
	}
	domain, path := "docker.io", name
	if first, rest, ok := strings.Cut(name, "/"); ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		domain, path = first, rest
	}
	if path == "" || !imagePath.MatchString(path) {
		return ""
	}
	switch domain {
	case "docker.io", "index.docker.io", "registry-1.docker.io":
		if p, ok := strings.CutPrefix(path, "library/"); ok || !strings.Contains(path, "/") {
			if !ok {
				p = path
			}
			return "https://hub.docker.com/_/" + p
		}
		return "https://hub.docker.com/r/" + path
	case "ghcr.io":
		return "https://ghcr.io/" + path
	case "quay.io":
		return "https://quay.io/repository/" + path
	}
	return ""
}

var imagePath = regexp.MustCompile(`^[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*$`)
