package lint

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// buildKitMayWarn reports whether dockerfile2llb.DockerfileLint could report
// a warning on df beyond those ParseDockerfile recorded (NoEmptyContinuation
// and the four checks instructions.Parse runs) and LegacyKeyValueFormat's
// (legacyKeyValueWarnings), once knownFalseAlarm has dropped its false alarms. It answers true whenever one of the checks
// DockerfileLint runs while converting the file might fire: each condition
// below names the checks it stands for and is looser than the check itself,
// so a false answer is a proof, not a guess. Running DockerfileLint costs
// about as much as everything else layerlint does to a file, and most files
// need none of it.
//
// Checks that cannot fire offline need no condition: CopyIgnoredFile reads a
// .dockerignore, which runBuildKitChecks never gives BuildKit.
func (df *Dockerfile) buildKitMayWarn() bool {
	// A "# check=" directive or comment changes which checks run (skip,
	// experimental) and makes warnings errors (error=true).
	if hasCheckDirective(df.Source) {
		return true
	}
	upper, lower := 0, 0
	names := map[string]bool{}
	globals := globalArgDefaults(df)
	for _, st := range df.Stages {
		// UndefinedVar: knownFalseAlarm drops every one outside a stage
		// built from scratch, and one needs a $.
		if builtFromScratch(df, st) && df.stageMentionsVariable(st) {
			return true
		}
		// DuplicateStageName, ReservedStageName.
		if st.Name != "" {
			if names[st.Name] || st.Name == "scratch" || st.Name == "context" {
				return true
			}
			names[st.Name] = true
		}
		if df.fromMayWarn(st.From, globals) {
			return true
		}
		// ConsistentInstructionCasing compares the casing of every keyword
		// in a stage: all upper or all lower case passes.
		if mixedCase(st.From.Node.Value, &upper, &lower) {
			return true
		}
		// MultipleInstructionsDisallowed counts CMD, ENTRYPOINT and
		// HEALTHCHECK per stage.
		used := map[string]bool{}
		for _, in := range st.Instructions {
			if mixedCase(in.Node.Value, &upper, &lower) || instructionMayWarn(in, used) {
				return true
			}
		}
	}
	return false
}

// stageMentionsVariable reports whether a $ appears anywhere in a stage's
// text, heredocs and continuation lines included.
func (df *Dockerfile) stageMentionsVariable(st *Stage) bool {
	last := st.From
	if n := len(st.Instructions); n > 0 {
		last = st.Instructions[n-1]
	}
	from, to := df.lineStarts[st.From.StartLine-1], len(df.Source)
	if last.EndLine < len(df.lineStarts) {
		to = df.lineStarts[last.EndLine]
	}
	return bytes.IndexByte(df.Source[from:to], '$') >= 0
}

// fromMayWarn reports whether the checks on a FROM line could fire:
// UndefinedArgInFrom (a variable no global ARG declares),
// InvalidDefaultArgInFrom (a name that is not a valid reference once the
// global ARGs' defaults are in), RedundantTargetPlatform and
// FromPlatformFlagConstDisallowed (--platform=$TARGETPLATFORM or a constant).
// InvalidBaseImagePlatform cannot fire offline: the resolver answers with the
// platform asked for. Variables pass only as $NAME or ${NAME}, with a plain
// default for the name: anything fancier goes to BuildKit.
func (df *Dockerfile) fromMayWarn(from *Instruction, globals map[string]string) bool {
	if len(from.Args) == 0 {
		return true
	}
	if p, ok := from.Flag("platform"); ok {
		if !strings.Contains(p, "$") || strings.Contains(p, "TARGETPLATFORM") {
			return true
		}
		if _, ok := substituteArgs(p, func(name string) (string, bool) {
			_, declared := globals[name]
			return "", declared || platformArgs[name]
		}); !ok {
			return true
		}
	}
	name, ok := substituteArgs(from.Args[0], func(name string) (string, bool) {
		v, declared := globals[name]
		return v, declared && v != ""
	})
	if !ok {
		return true
	}
	_, err := reference.ParseNormalizedNamed(name)
	return err != nil
}

// platformArgs are the platform ARGs BuildKit defines before the first FROM,
// but for TARGETPLATFORM, which RedundantTargetPlatform is about.
var platformArgs = map[string]bool{
	"BUILDPLATFORM": true, "BUILDOS": true, "BUILDOSVERSION": true, "BUILDARCH": true, "BUILDVARIANT": true,
	"TARGETOS": true, "TARGETOSVERSION": true, "TARGETARCH": true, "TARGETVARIANT": true, "TARGETSTAGE": true,
}

// substituteArgs replaces each $NAME and ${NAME} in s with value(NAME). It
// fails on a name value refuses, on any other use of $ and on quotes or
// escapes, whose meaning is the shell lexer's to say.
func substituteArgs(s string, value func(string) (string, bool)) (string, bool) {
	if strings.ContainsAny(s, "\\`'\"") {
		return "", false
	}
	ok := true
	out := simpleVar.ReplaceAllStringFunc(s, func(m string) string {
		v, good := value(strings.Trim(m, "${}"))
		ok = ok && good
		return v
	})
	return out, ok && !strings.Contains(out, "$") && strings.Count(s, "$") == len(simpleVar.FindAllStringIndex(s, -1))
}

// globalArgDefaults returns the global ARGs' names and defaults: a name
// declared twice, or whose default holds anything a shell lexer would
// change, maps to "" so that a FROM using it is left to BuildKit.
func globalArgDefaults(df *Dockerfile) map[string]string {
	out := map[string]string{}
	for _, in := range df.Instructions {
		c, ok := in.Parsed.(*instructions.ArgCommand)
		if !ok || in.Stage != nil {
			continue
		}
		for _, kv := range c.Args {
			v := ""
			if _, seen := out[kv.Key]; !seen && kv.Value != nil {
				v = plainWord(*kv.Value)
			}
			out[kv.Key] = v
		}
	}
	return out
}

// plainWord returns what the shell lexer makes of a word that is plain text,
// or plain text in double quotes, and "" for any other word.
func plainWord(w string) string {
	if len(w) >= 2 && w[0] == '"' && w[len(w)-1] == '"' {
		w = w[1 : len(w)-1]
	}
	if strings.ContainsAny(w, "$\\`'\" \t\n") {
		return ""
	}
	return w
}

var simpleVar = regexp.MustCompile(`\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})`)

// hasCheckDirective reports whether src holds "check" in any case followed
// by blanks and "=", as BuildKit's directive and comment parsers read a
// "# check=..." line. A plain scan: a regular expression over the whole file
// costs more than the rest of buildKitMayWarn.
func hasCheckDirective(src []byte) bool {
	for i := 0; i+len("check") < len(src); i++ {
		if src[i]|0x20 != 'c' || !bytes.EqualFold(src[i:i+len("check")], []byte("check")) {
			continue
		}
		j := i + len("check")
		for j < len(src) && (src[j] == ' ' || src[j] == '\t' || src[j] == '\n' || src[j] == '\r' || src[j] == '\f') {
			j++
		}
		if j < len(src) && src[j] == '=' {
			return true
		}
	}
	return false
}

// mixedCase counts a keyword that is not all lower case in *upper and one
// that is not all upper case in *lower, and reports whether both counts are
// above zero: keywords whose casing ConsistentInstructionCasing may flag.
func mixedCase(kw string, upper, lower *int) bool {
	if kw != strings.ToLower(kw) {
		*upper++
	}
	if kw != strings.ToUpper(kw) {
		*lower++
	}
	return *upper > 0 && *lower > 0
}

// instructionMayWarn reports whether converting one instruction could make
// a check fire; used tracks the stage's CMD, ENTRYPOINT and HEALTHCHECK.
func instructionMayWarn(in *Instruction, used map[string]bool) bool {
	switch in.Command {
	case "cmd", "entrypoint", "healthcheck":
		if used[in.Command] {
			return true // MultipleInstructionsDisallowed
		}
		used[in.Command] = true
	}
	switch c := in.Parsed.(type) {
	case *instructions.CmdCommand:
		return c.PrependShell // JSONArgsRecommended
	case *instructions.EntrypointCommand:
		return c.PrependShell // JSONArgsRecommended
	case *instructions.OnbuildCommand:
		// A stage built on this one converts the triggers: any check.
		return true
	case *instructions.WorkdirCommand:
		return !strings.HasPrefix(c.Path, "/") // WorkdirRelativePath
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			// SecretsUsedInArgOrEnv, on the key as expanded. (legacyKeyValueWarnings
			// answers for LegacyKeyValueFormat.)
			if strings.Contains(kv.Key, "$") || secretName.MatchString(kv.Key) {
				return true
			}
		}
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			if secretName.MatchString(kv.Key) {
				return true // SecretsUsedInArgOrEnv
			}
		}
	case *instructions.ExposeCommand:
		for _, p := range c.Ports {
			// ExposeProtoCasing, ExposeInvalidFormat: an upper-case protocol,
			// an address or host port, or a variable that may expand to one.
			if strings.ContainsAny(p, ":$") || p != strings.ToLower(p) {
				return true
			}
		}
	case nil:
		// Every instruction in a stage has a typed command: be safe.
		return true
	}
	return false
}

var (
	// secretName is looser than BuildKit's secrets pattern (which it only
	// matches on whole _-separated words, and forgives with an allow list):
	// any of its words anywhere in the name.
	secretName = regexp.MustCompile(`(?i)apikey|auth|credential|key|password|pword|passwd|secret|token`)
)
