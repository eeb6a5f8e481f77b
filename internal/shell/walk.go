package shell

import (
	"path"
	"strings"
)

// Resolve makes p absolute against the directory dir, expanding ~ and $HOME
// to /root, and drops a trailing slash, /. or /* glob. It returns "" when p
// is relative and dir is "" (unknown).
func Resolve(dir, p string) string {
	switch {
	case p == "~" || strings.HasPrefix(p, "~/"):
		p = "/root" + p[1:]
	case strings.HasPrefix(p, "$HOME"):
		p = "/root" + strings.TrimPrefix(p, "$HOME")
	case strings.HasPrefix(p, "${HOME}"):
		p = "/root" + strings.TrimPrefix(p, "${HOME}")
	}
	if !strings.HasPrefix(p, "/") {
		if dir == "" {
			return ""
		}
		p = path.Join(dir, p)
	}
	p = strings.TrimSuffix(p, "/*")
	p = strings.TrimSuffix(p, "/.")
	return path.Clean(p)
}

// Walk calls fn for each command of s with the working directory it runs
// in, starting from dir and following cd (a cd inside a subshell or nested
// script stays there). The directory is "" once unknown (cd $DIR).
func Walk(s *Script, dir string, fn func(c Command, cwd string)) {
	at := []string{dir}
	for i, c := range s.Commands {
		// Levels above the previous command's are entered afresh, from the
		// directory of the level around them.
		top := 0
		if i > 0 {
			prev := s.Commands[i-1]
			top = prev.Depth
			if prev.Op == ")" {
				top--
			}
		}
		for len(at) <= c.Depth {
			at = append(at, "")
		}
		for k := max(top+1, 1); k <= c.Depth; k++ {
			at[k] = at[k-1]
		}
		depth := c.Depth
		fn(c, at[depth])
		if c.Program() == "cd" || c.Program() == "pushd" {
			args := c.Operands()
			switch {
			case len(args) == 0:
				at[depth] = "/root"
			case strings.Contains(args[0].Text, "$") && !strings.HasPrefix(args[0].Text, "$HOME") || args[0].Text == "-":
				at[depth] = ""
			default:
				at[depth] = Resolve(at[depth], args[0].Text)
			}
		}
	}
}
