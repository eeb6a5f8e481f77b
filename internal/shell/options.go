package shell

import "strings"

// valueOptions lists, per program, the options that take a separate value,
// from each program's documentation. Options written --name=value need no
// entry. Programs not listed are read as having none.
var valueOptions = map[string]string{
	"apt-get":    "-o -c -t --option --config-file --target-release --default-release",
	"apt":        "-o -c -t --option --config-file --target-release --default-release",
	"aptitude":   "-o -t -F -S --target-release --display-format --sort",
	"apk":        "-X -p -t --repository --root --virtual --arch --repositories-file --keys-dir --cache-dir",
	"yum":        "-c -d -e -x -R --setopt --enablerepo --disablerepo --exclude --releasever --installroot --repo --repoid",
	"dnf":        "-c -d -e -x -R --setopt --enablerepo --disablerepo --exclude --releasever --installroot --repo --repoid",
	"microdnf":   "--setopt --enablerepo --disablerepo --releasever --installroot",
	"zypper":     "-r -p -t --repo --type --root --from",
	"npm":        "-w -C --prefix --loglevel --registry --cache --userconfig --workspace --omit --include --tag --install-strategy",
	"yarn":       "--network-timeout --cwd --modules-folder --cache-folder --registry --mutex --network-concurrency --global-folder --link-folder --prefix",
	"pnpm":       "-F -C --filter --dir --store-dir --registry --reporter --network-concurrency --modules-dir",
	"bun":        "--cwd --registry --cache-dir --backend --filter",
	"pip":        "-r -c -i -f -t -e --requirement --constraint --index-url --extra-index-url --find-links --target --prefix --root --trusted-host --cache-dir --src --platform --python-version --implementation --abi --only-binary --no-binary --progress-bar --timeout --retries --log --proxy --upgrade-strategy --editable --python",
	"uv":         "-r -c -p -i --requirement --constraint --python --index-url --extra-index-url --find-links --target --prefix --cache-dir --group --extra --package",
	"poetry":     "-E -C --extras --only --with --without --directory --project",
	"pipenv":     "--python --categories",
	"gem":        "-v -i --version --install-dir --bindir --source",
	"bundle":     "-j --jobs --retry --path --without --with --gemfile --binstubs",
	"composer":   "-d --working-dir",
	"go":         "-o -C -p -tags -ldflags -gcflags -asmflags -mod -modfile -pkgdir -buildmode -compiler -exec -toolexec -overlay -pgo -covermode -coverpkg",
	"cargo":      "-p -j -F -Z --target --target-dir --package --bin --example --features --jobs --manifest-path --profile --root --path --git --branch --tag --rev --version --index --registry --config",
	"rustup":     "--profile --default-toolchain --target --component",
	"mvn":        "-f -s -P -pl -rf -T -gs -t -l -b --file --settings --activate-profiles --projects --resume-from --threads --global-settings --toolchains --log-file --builder",
	"gradle":     "-p -b -c -x -g --project-dir --build-file --settings-file --exclude-task --gradle-user-home --init-script --console",
	"dotnet":     "-c -o -r -f -s -p -v --configuration --output --runtime --framework --source --verbosity --packages --arch --os",
	"git":        "-C -c -b -o -j -u --depth --branch --origin --reference --separate-git-dir --jobs --config --upload-pack --template --shallow-since --shallow-exclude --filter --server-option",
	"curl":       "-o -H -d -u -X -A -e -x -m -w -T -K -b -c -F -r -C -E -U -Y -y -z --output --header --data --data-raw --data-binary --data-urlencode --user --request --user-agent --referer --proxy --max-time --write-out --upload-file --config --cookie --cookie-jar --form --range --continue-at --cert --cacert --key --retry --retry-delay --retry-max-time --connect-timeout --limit-rate --proto --proto-redir --resolve --output-dir",
	"wget":       "-O -P -o -a -t -T -U -e -i -w -Q -l -A -R -D --output-document --directory-prefix --output-file --append-output --tries --timeout --user-agent --execute --input-file --wait --quota --level --accept --reject --domains --header --user --password --http-user --http-password",
	"tar":        "-f -C -T -X -b -H -K -L -N -V -g --file --directory --files-from --exclude-from --blocking-factor --format --starting-file --tape-length --newer --label --listed-incremental --exclude --strip-components --transform --owner --group --mode --use-compress-program -I",
	"unzip":      "-d -x -P",
	"7z":         "-o -p -x",
	"cp":         "-t -S --target-directory --suffix",
	"mv":         "-t -S --target-directory --suffix",
	"ln":         "-t -S --target-directory --suffix",
	"install":    "-m -o -g -t -S --mode --owner --group --target-directory --suffix",
	"mkdir":      "-m --mode",
	"chmod":      "--reference",
	"chown":      "--reference --from",
	"find":       "",
	"sed":        "-e -f --expression --file",
	"grep":       "-e -f -m -A -B -C --regexp --file --max-count",
	"useradd":    "-d -g -G -s -u -c -k -K -b -e -f -p -R --home-dir --gid --groups --shell --uid --comment --skel --base-dir --root",
	"groupadd":   "-g -K -p -R --gid --key --password --root",
	"adduser":    "-h -g -s -G -u -k --home --gecos --shell --ingroup --uid --gid --group",
	"addgroup":   "-g --gid",
	"ssh-keygen": "-t -b -f -N -C",
	"gpg":        "-o --output --keyserver --recv-keys --homedir --keyring",
	"dd":         "",
}

// valueFlagSets holds valueOptions as sets, built once.
var valueFlagSets = func() map[string]map[string]bool {
	m := make(map[string]map[string]bool, len(valueOptions))
	for prog, opts := range valueOptions {
		m[prog] = flagSet(opts)
	}
	return m
}()

// valueFlags returns the options of prog that take a separate value.
func valueFlags(prog string) map[string]bool {
	switch {
	case strings.HasPrefix(prog, "pip"):
		prog = "pip"
	case prog == "mvnw":
		prog = "mvn"
	case prog == "gradlew":
		prog = "gradle"
	case prog == "dnf5" || prog == "tdnf":
		prog = "dnf"
	}
	return valueFlagSets[prog]
}

func flagSet(list string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(list) {
		m[f] = true
	}
	return m
}

// tarMode is what a tar command does.
type tarMode struct {
	extract, create bool
	file            Word
	dir             string
	dirWord         Word
}

// tarMode reads tar's options, in the dashed (-xzf a.tgz), bundled old
// style (xzf a.tgz) and long (--extract --file=a.tgz) forms.
func (c Command) tarMode() tarMode {
	var t tarMode
	t.dir = "."
	args := c.Args()
	for i := 0; i < len(args); i++ {
		a := args[i]
		txt := a.Text
		switch {
		case txt == "--extract" || txt == "--get":
			t.extract = true
		case txt == "--create":
			t.create = true
		case txt == "--file" || txt == "--directory":
			if i+1 < len(args) {
				i++
				if txt == "--file" {
					t.file = args[i]
				} else {
					t.dir, t.dirWord = args[i].Text, args[i]
				}
			}
		case strings.HasPrefix(txt, "--file="):
			t.file = Word{Text: txt[7:], Start: a.Start + 7, End: a.End}
		case strings.HasPrefix(txt, "--directory="):
			t.dirWord = Word{Text: txt[12:], Start: a.Start + 12, End: a.End}
			t.dir = t.dirWord.Text
		case strings.HasPrefix(txt, "--"):
			if valueFlags("tar")[txt] && i+1 < len(args) {
				i++
			}
		case strings.HasPrefix(txt, "-") && len(txt) > 1 || i == 0 && txt != "" && !strings.ContainsAny(txt, "/.") && strings.Trim(txt, "xctrudAzjJvfpkCOSPwZa") == "":
			// A cluster of short options; each value option takes the
			// next word in turn (tar -xf a.tgz -C /opt, tar xfC a.tgz /opt).
			for _, o := range strings.TrimPrefix(txt, "-") {
				switch o {
				case 'x':
					t.extract = true
				case 'c':
					t.create = true
				case 'f', 'C', 'T', 'X', 'b', 'H', 'K', 'L', 'N', 'V', 'g', 'I':
					if i+1 >= len(args) {
						break
					}
					i++
					switch o {
					case 'f':
						t.file = args[i]
					case 'C':
						t.dir, t.dirWord = args[i].Text, args[i]
					}
				}
			}
		}
	}
	if t.dirWord.Text == "" {
		t.dirWord = t.file
	}
	return t
}

// hasShort reports whether the command has one of the short options in
// letters (alone or in a cluster such as -rf) or one of the long options.
func (c Command) hasShort(letters string, long ...string) bool {
	values := valueFlags(c.Program())
	for _, a := range c.Args() {
		t := a.Text
		if t == "--" {
			return false
		}
		if strings.HasPrefix(t, "--") {
			for _, l := range long {
				if t == l {
					return true
				}
			}
			continue
		}
		if !strings.HasPrefix(t, "-") {
			continue
		}
		for k := 1; k < len(t); k++ {
			if strings.IndexByte(letters, t[k]) >= 0 {
				return true
			}
			if values["-"+t[k:k+1]] {
				break // the rest is that option's value
			}
		}
	}
	return false
}

// OptionValue returns the value of a short option (-o FILE, -oFILE, or last
// in a cluster: -fsSLo FILE) or a long one (--output FILE, --output=FILE);
// either name may be "".
func (c Command) OptionValue(short, long string) (Word, bool) {
	args := c.Args()
	values := valueFlags(c.Program())
	for i := 0; i < len(args); i++ {
		a := args[i]
		t := a.Text
		switch {
		case t == "--":
			return Word{}, false
		case long != "" && t == long:
			if i+1 < len(args) {
				return args[i+1], true
			}
		case long != "" && strings.HasPrefix(t, long+"="):
			return Word{Text: t[len(long)+1:], Start: a.Start + len(long) + 1, End: a.End}, true
		case strings.HasPrefix(t, "--"):
			if values[t] {
				i++
			}
		case strings.HasPrefix(t, "-") && len(t) > 1:
			for k := 1; k < len(t); k++ {
				opt := "-" + t[k:k+1]
				if opt == short {
					if k+1 < len(t) {
						return Word{Text: t[k+1:], Start: a.Start + k + 1, End: a.End}, true
					}
					if i+1 < len(args) {
						return args[i+1], true
					}
					return Word{}, false
				}
				if values[opt] {
					if k+1 == len(t) {
						i++
					}
					break
				}
			}
		}
	}
	return Word{}, false
}
