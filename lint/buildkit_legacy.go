package lint

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	bkshell "github.com/moby/buildkit/frontend/dockerfile/shell"
)

// legacyKeyValueWarnings returns the LegacyKeyValueFormat warnings DockerfileLint gives df (ENV a b, LABEL
// a b: about a third of real files have one), made by BuildKit's linter from the same commands, in the
// order DockerfileLint converts them. BuildKit reports them while converting the file, so they are only
// certain when the conversion cannot stop early with an error: ok is false unless every instruction is of a
// kind, with flags and words, whose conversion cannot fail (convertCannotFail).
func legacyKeyValueWarnings(df *Dockerfile) (ws []buildKitWarning, ok bool) {
	lint := linter.New(&linter.Config{Warn: recordWarning(&ws)})
	for _, st := range df.Stages {
		for _, in := range st.Instructions {
			var kvs instructions.KeyValuePairs
			switch c := in.Parsed.(type) {
			case *instructions.EnvCommand:
				kvs = c.Env
			case *instructions.LabelCommand:
				kvs = c.Labels
			}
			for _, kv := range kvs {
				if kv.NoDelim {
					lint.Run(&linter.RuleLegacyKeyValueFormat, in.Parsed.Location(), linter.RuleLegacyKeyValueFormat.Format(in.Parsed.Name()))
				}
			}
		}
	}
	if len(ws) > 0 && !convertCannotFail(df) {
		return nil, false
	}
	return ws, true
}

// convertCannotFail reports whether BuildKit's conversion of df, offline and with no build arguments, runs
// to the end: each word it expands is one its shell lexer accepts with no variable set (the worst case: only
// ${VAR:?} and ${VAR?} fail on a variable, and only when it is unset), and each instruction is of a kind and
// with flags whose conversion returns no other error. Anything else, ADD, HEALTHCHECK or RUN --mount among
// them, is left to BuildKit.
func convertCannotFail(df *Dockerfile) bool {
	lex := bkshell.NewLex(rune(df.Escape))
	expands := func(words ...string) bool {
		for _, w := range words {
			if _, _, err := lex.ProcessWord(w, noEnv{}); err != nil {
				return false
			}
		}
		return true
	}
	for _, in := range df.Instructions {
		if c, ok := in.Parsed.(*instructions.ArgCommand); ok && in.Stage == nil && !argsExpand(c, expands) {
			return false
		}
	}
	for _, st := range df.Stages {
		if _, ok := st.From.Flag("platform"); ok {
			return false
		}
		for _, in := range st.Instructions {
			if !instructionConverts(df, st, in, expands) {
				return false
			}
		}
	}
	return true
}

// instructionConverts reports whether converting one instruction cannot fail.
func instructionConverts(df *Dockerfile, st *Stage, in *Instruction, expands func(...string) bool) bool {
	switch c := in.Parsed.(type) {
	case *instructions.EnvCommand:
		return kvsExpand(c.Env, expands)
	case *instructions.LabelCommand:
		return kvsExpand(c.Labels, expands)
	case *instructions.ArgCommand:
		return argsExpand(c, expands)
	case *instructions.RunCommand:
		return len(in.Flags) == 0 && len(c.Files) == 0
	case *instructions.CopyCommand:
		return copyConverts(df, st, in, c) && expands(c.Chown, c.Chmod, c.DestPath) && expands(c.SourcePaths...)
	case *instructions.WorkdirCommand:
		return expands(c.Path)
	case *instructions.UserCommand:
		return expands(c.User)
	case *instructions.VolumeCommand:
		for _, v := range c.Volumes {
			if v == "" || strings.Contains(v, "$") {
				return false // a volume that is or may expand to "" is an error
			}
		}
		return expands(c.Volumes...)
	case *instructions.ExposeCommand:
		for _, p := range c.Ports {
			if !plainPort(p) {
				return false
			}
		}
		return true
	case *instructions.CmdCommand, *instructions.EntrypointCommand, *instructions.ShellCommand, *instructions.MaintainerCommand:
		return true
	}
	return false
}

// copyConverts reports whether a COPY's flags and sources are ones BuildKit converts without error: no
// flags but --from naming an earlier stage, --chown (not with --link), --chmod in octal and --link; no
// heredoc, URL or Git source.
func copyConverts(df *Dockerfile, st *Stage, in *Instruction, c *instructions.CopyCommand) bool {
	if len(c.SourceContents) > 0 || len(c.ExcludePatterns) > 0 || c.Parents {
		return false
	}
	for _, s := range c.SourcePaths {
		if strings.Contains(s, "://") || strings.HasPrefix(s, "git@") {
			return false
		}
	}
	for _, f := range in.Flags {
		name, _, _ := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		switch name {
		case "from", "link":
		case "chown":
			if c.Link {
				return false
			}
		case "chmod":
			if !chmodOctal.MatchString(c.Chmod) {
				return false
			}
		default:
			return false
		}
	}
	if c.From == "" {
		return true
	}
	from := strings.ToLower(c.From)
	for _, earlier := range df.Stages[:st.Index] {
		if from == earlier.Name || from == strconv.Itoa(earlier.Index) {
			return true
		}
	}
	return false
}

func kvsExpand(kvs instructions.KeyValuePairs, expands func(...string) bool) bool {
	for _, kv := range kvs {
		if !expands(kv.Key, kv.Value) {
			return false
		}
	}
	return true
}

func argsExpand(c *instructions.ArgCommand, expands func(...string) bool) bool {
	for _, kv := range c.Args {
		if kv.Value != nil && !expands(*kv.Value) {
			return false
		}
	}
	return true
}

// plainPort reports whether an EXPOSE port is N, N/proto or N-M/proto with ports 1 to 65535 in order and a
// protocol BuildKit knows.
func plainPort(p string) bool {
	ports, proto, ok := strings.Cut(p, "/")
	if ok && proto != "tcp" && proto != "udp" && proto != "sctp" {
		return false
	}
	lo, hi, isRange := strings.Cut(ports, "-")
	if !isRange {
		hi = lo
	}
	a, err1 := strconv.Atoi(lo)
	b, err2 := strconv.Atoi(hi)
	return err1 == nil && err2 == nil && a >= 1 && a <= b && b <= 65535 && lo[0] != '+' && hi[0] != '+'
}

var chmodOctal = regexp.MustCompile(`^[0-7]{1,4}$`)

// noEnv is an empty environment for BuildKit's shell lexer.
type noEnv struct{}

func (noEnv) Get(string) (string, bool) { return "", false }
func (noEnv) Keys() []string            { return nil }
