package lsp

// Instruction docs, in our own words: the one-line summary hover shows on every instruction, the syntax,
// and each flag's meaning. Completion offers the keywords, flags and --mount keys listed here.

// instructionDoc describes one Dockerfile instruction.
type instructionDoc struct {
	// Summary is one sentence: what the instruction does to the image and its layers.
	Summary string
	// Syntax shows how it is written.
	Syntax string
	// Flags are its --flags in the order completion offers them.
	Flags []flagDoc
}

// flagDoc describes one flag of an instruction (or one key of --mount).
type flagDoc struct {
	Name   string   // without dashes
	Doc    string   // what it does
	Values []string // the values completion offers after "=", if it has a fixed set
}

var chownFlag = flagDoc{"chown", "sets the owner (user[:group], names or ids) of the copied files; without it they belong to root. Cheaper than a RUN chown, which stores the files twice.", nil}
var chmodFlag = flagDoc{"chmod", "sets the mode (octal like 0755, or symbolic like u+x) of the copied files.", nil}
var linkFlag = flagDoc{"link", "copies into a layer of its own that does not depend on the layers below, so a rebuild of an earlier step does not invalidate it.", []string{"true", "false"}}
var excludeFlag = flagDoc{"exclude", "leaves out the paths that match this pattern (may be given several times).", nil}

// instructionDocs has every instruction BuildKit knows.
var instructionDocs = map[string]instructionDoc{
	"FROM": {"starts a build stage from a base image (or an earlier stage).", "FROM [--platform=<platform>] <image>[:<tag>|@<digest>] [AS <name>]",
		[]flagDoc{{"platform", "picks the platform of a multi-platform base image, such as linux/arm64 or $BUILDPLATFORM for tools that run on the build machine.", []string{"$BUILDPLATFORM", "$TARGETPLATFORM", "linux/amd64", "linux/arm64"}}}},
	"RUN": {"runs a command in a new layer; everything it writes is stored in that layer.", "RUN [--mount=...] [--network=...] <command> | RUN [\"executable\", \"arg\"...]",
		[]flagDoc{
			{"mount", "mounts something for this command only (a cache, a secret, files from the context or a stage); nothing under the mount is stored in the layer.", nil},
			{"network", "the network the command sees: default, none (no network at all) or host.", []string{"default", "none", "host"}},
			{"security", "insecure runs the command with all capabilities (needs the builder's permission); sandbox is the default.", []string{"sandbox", "insecure"}},
		}},
	"COPY": {"copies files from the build context (or another stage with --from) into a new layer.", "COPY [--from=<stage|image>] [--chown=...] [--chmod=...] [--link] <src>... <dest>",
		[]flagDoc{
			{"from", "copies from an earlier stage (by name or number) or an image instead of the build context.", nil},
			chownFlag, chmodFlag, linkFlag,
			{"parents", "keeps the source paths' parent directories under the destination.", []string{"true", "false"}},
			excludeFlag,
		}},
	"ADD": {"like COPY, but also fetches URLs and extracts local tar archives.", "ADD [--chown=...] [--chmod=...] [--checksum=...] [--link] <src>... <dest>",
		[]flagDoc{
			{"checksum", "the sha256 digest a fetched URL must have; the build fails when it differs.", nil},
			{"keep-git-dir", "keeps the .git directory when adding a Git repository.", []string{"true", "false"}},
			chownFlag, chmodFlag, linkFlag, excludeFlag,
		}},
	"ARG":        {"declares a build argument; RUN steps after it see its value and rebuild when it changes.", "ARG <name>[=<default>] ...", nil},
	"ENV":        {"sets environment variables in the image config (no layer).", "ENV <key>=<value> ...", nil},
	"LABEL":      {"adds metadata to the image config (no layer).", "LABEL <key>=<value> ...", nil},
	"WORKDIR":    {"sets the working directory for the following instructions and the container.", "WORKDIR <path>", nil},
	"USER":       {"sets the user the following RUN steps and the container run as.", "USER <user>[:<group>]", nil},
	"EXPOSE":     {"documents the ports the container listens on (no layer).", "EXPOSE <port>[/<protocol>] ...", nil},
	"VOLUME":     {"marks a path as a volume: later changes to it in the build are discarded.", "VOLUME <path> ... | VOLUME [\"<path>\"...]", nil},
	"CMD":        {"sets the default command of the container (no layer).", "CMD [\"executable\", \"arg\"...] | CMD <command>", nil},
	"ENTRYPOINT": {"sets the executable the container runs (no layer).", "ENTRYPOINT [\"executable\", \"arg\"...] | ENTRYPOINT <command>", nil},
	"HEALTHCHECK": {"sets the command that checks the container's health (no layer).", "HEALTHCHECK [--interval=...] [--timeout=...] [--retries=...] CMD <command> | HEALTHCHECK NONE",
		[]flagDoc{
			{"interval", "time between two checks (default 30s).", nil},
			{"timeout", "a check that takes longer fails (default 30s).", nil},
			{"start-period", "failures during this time after start do not count (default 0s).", nil},
			{"start-interval", "time between checks during the start period (default 5s).", nil},
			{"retries", "consecutive failures before the container is unhealthy (default 3).", nil},
		}},
	"SHELL":      {"sets the shell used by shell-form RUN, CMD and ENTRYPOINT.", "SHELL [\"executable\", \"parameters\"]", nil},
	"STOPSIGNAL": {"sets the signal that stops the container.", "STOPSIGNAL <signal>", nil},
	"ONBUILD":    {"adds an instruction that runs when another build uses this image as its base.", "ONBUILD <instruction>", nil},
	"MAINTAINER": {"deprecated: use LABEL org.opencontainers.image.authors.", "MAINTAINER <name>", nil},
}

// mountKeys are the keys of RUN --mount.
var mountKeys = []flagDoc{
	{"type", "what is mounted: bind (files from the context or a stage, the default), cache (a directory kept between builds), tmpfs, secret or ssh.", []string{"bind", "cache", "tmpfs", "secret", "ssh"}},
	{"target", "where it is mounted in the command's file system (also dst, destination).", nil},
	{"source", "the path in --from's stage or image, or in the context, to mount (also src).", nil},
	{"from", "the stage or image to mount from; the build context when absent.", nil},
	{"id", "names a cache, secret or ssh socket; caches with the same id are shared.", nil},
	{"sharing", "how concurrent builds share a cache: shared, private or locked.", []string{"shared", "private", "locked"}},
	{"readonly", "mounts read-only (also ro); rw makes a bind mount writable, changes discarded.", nil},
	{"mode", "file mode of a cache directory, secret or socket.", nil},
	{"uid", "owner's user id of a cache directory, secret or socket.", nil},
	{"gid", "owner's group id of a cache directory, secret or socket.", nil},
	{"required", "fails the build when the secret or ssh socket is not given.", []string{"true", "false"}},
	{"env", "exposes a secret as this environment variable instead of a file.", nil},
	{"size", "the size limit of a tmpfs mount.", nil},
}

// predefinedArgs are the ARGs BuildKit sets without a declaration; inside a stage they still need an ARG.
var predefinedArgs = []string{
	"TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
	"BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
	"HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY",
}

// flagOf returns the doc of one flag of an instruction, or of a --mount key when kw is "--mount".
func flagOf(kw, name string) (flagDoc, bool) {
	list := instructionDocs[kw].Flags
	if kw == "--mount" {
		list = mountKeys
	}
	for _, f := range list {
		if f.Name == name {
			return f, true
		}
	}
	return flagDoc{}, false
}
