package lint

import (
	"cmp"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// gateCases makes each of BuildKit's checks fire (or says why it cannot
// offline), to prove buildKitMayWarn sends every such file to DockerfileLint.
var gateCases = []struct {
	check, src string
	offline    string // why the check cannot fire in runBuildKitChecks, if it cannot
}{
	{check: "StageNameCasing", src: "FROM alpine AS Build\nRUN true\n"},
	{check: "FromAsCasing", src: "FROM alpine as build\n"},
	{check: "NoEmptyContinuation", src: "FROM alpine\nRUN echo a \\\n\n  && echo b\n"},
	{check: "ConsistentInstructionCasing", src: "FROM alpine\nrun echo hi\n"},
	{check: "DuplicateStageName", src: "FROM alpine AS a\nFROM alpine AS a\n"},
	{check: "ReservedStageName", src: "FROM alpine AS context\n"},
	{check: "JSONArgsRecommended", src: "FROM alpine\nCMD echo hi\n"},
	{check: "JSONArgsRecommended", src: "FROM alpine\nENTRYPOINT exec server\n"},
	{check: "MaintainerDeprecated", src: "FROM alpine\nMAINTAINER me\n"},
	{check: "UndefinedArgInFrom", src: "FROM alpine:$TAG\n"},
	{check: "UndefinedArgInFrom", src: "FROM --platform=$PLATFORM alpine\n"},
	{check: "WorkdirRelativePath", src: "FROM alpine\nWORKDIR app\n"},
	{check: "UndefinedVar", src: "FROM scratch\nCOPY $SRC /x\n"},
	{check: "UndefinedVar", src: "FROM scratch AS base\nFROM base\nENV A=$B\n"},
	{check: "MultipleInstructionsDisallowed", src: "FROM alpine\nCMD [\"a\"]\nCMD [\"b\"]\n"},
	{check: "MultipleInstructionsDisallowed", src: "FROM alpine\nHEALTHCHECK NONE\nHEALTHCHECK NONE\n"},
	{check: "LegacyKeyValueFormat", src: "FROM alpine\nENV A b\n"},
	{check: "LegacyKeyValueFormat", src: "FROM alpine\nLABEL a b\n"},
	{check: "LegacyKeyValueFormat", src: "FROM alpine AS base\nONBUILD ENV A b\nFROM base\n"},
	{check: "InvalidBaseImagePlatform", offline: "the offline resolver answers with the platform asked for"},
	{check: "RedundantTargetPlatform", src: "FROM --platform=$TARGETPLATFORM alpine\n"},
	{check: "SecretsUsedInArgOrEnv", src: "FROM alpine\nENV DB_PASSWORD=hunter2\n"},
	{check: "SecretsUsedInArgOrEnv", src: "FROM alpine\nARG GITHUB_TOKEN=abc\n"},
	{check: "InvalidDefaultArgInFrom", src: "ARG TAG\nFROM alpine:${TAG}\n"},
	{check: "InvalidDefaultArgInFrom", src: "ARG BASE=\"Alpine\"\nFROM ${BASE}\n"},
	{check: "InvalidDefaultArgInFrom", src: "FROM Alpine\n"},
	{check: "FromPlatformFlagConstDisallowed", src: "FROM --platform=linux/amd64 alpine\n"},
	{check: "CopyIgnoredFile", offline: "runBuildKitChecks gives BuildKit no .dockerignore"},
	{check: "InvalidDefinitionDescription", src: "# check=experimental=InvalidDefinitionDescription\nFROM alpine\n# bar this is the arg\nARG foo=bar\n"},
	{check: "ExposeProtoCasing", src: "FROM alpine\nEXPOSE 80/TCP\n"},
	{check: "ExposeInvalidFormat", src: "FROM alpine\nEXPOSE 127.0.0.1:80:80\n"},
	{check: "ExposeInvalidFormat", src: "FROM alpine\nARG PORT=8080:80\nEXPOSE $PORT\n"},
}

// TestBuildKitGateEachCheck makes every BuildKit check fire and checks that
// runBuildKitChecks, which skips DockerfileLint when buildKitMayWarn says no
// check could fire, reports exactly what DockerfileLint does.
func TestBuildKitGateEachCheck(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range gateCases {
		covered[c.check] = true
		if c.offline != "" {
			continue
		}
		df, err := ParseDockerfile("Dockerfile", []byte(c.src))
		if err != nil {
			t.Fatalf("%s: %v", c.check, err)
		}
		full := fullBuildKitFindings(t, df)
		if !hasRule(full, c.check) {
			t.Errorf("%s: DockerfileLint does not report it on %q: %v", c.check, c.src, full)
		}
		got := gatedBuildKitFindings(t, df)
		if !reflect.DeepEqual(got, full) {
			t.Errorf("%s on %q: got %v, DockerfileLint gives %v", c.check, c.src, got, full)
		}
	}
	for _, c := range BuildKitChecks() {
		if !covered[c.Name] {
			t.Errorf("no case for BuildKit's %s: add one to gateCases and a condition to buildKitMayWarn", c.Name)
		}
	}
}

// TestBuildKitGateQuiet checks that plain files, legacy ENV and LABEL forms
// included, skip DockerfileLint, so the fast path is the one most files take.
func TestBuildKitGateQuiet(t *testing.T) {
	for _, src := range []string{
		"FROM debian:12\nRUN apt-get update\nCMD [\"bash\"]\n",
		"FROM alpine AS build\nWORKDIR /src\nCOPY . .\nFROM build\nEXPOSE 80 443/udp\nENTRYPOINT [\"/app\"]\n",
		"ARG V=\"3.20\"\nFROM alpine:${V}\nENV A=b\nLABEL a=b\n",
		"FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nFROM scratch\nCOPY --from=build /app /app\n",
		"from alpine\nrun echo hi\n",
		"FROM alpine AS a\nENV A b\nLABEL c d\nCOPY --chown=app --chmod=755 x /y\nFROM a\nCOPY --from=a /y /z\n",
	} {
		df, err := ParseDockerfile("Dockerfile", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if df.buildKitMayWarn() {
			t.Errorf("buildKitMayWarn is true for %q", src)
		}
		if _, ok := legacyKeyValueWarnings(df); !ok {
			t.Errorf("legacyKeyValueWarnings cannot answer for %q", src)
		}
		got := gatedBuildKitFindings(t, df)
		if full := fullBuildKitFindings(t, df); !reflect.DeepEqual(got, full) {
			t.Errorf("%q: got %v, DockerfileLint gives %v", src, got, full)
		}
	}
}

// TestBuildKitGateConversionErrors checks files whose conversion BuildKit stops with an error before an ENV
// in the legacy form: DockerfileLint then reports no LegacyKeyValueFormat, and neither may
// runBuildKitChecks.
func TestBuildKitGateConversionErrors(t *testing.T) {
	for _, src := range []string{
		"FROM alpine\nENV A='a\\'b'\nENV B c\n",
		"FROM alpine\nLABEL a=${B:?unset}\nLABEL c d\n",
		"FROM alpine\nCOPY --from=later /a /b\nENV B c\nFROM alpine AS later\n",
		"FROM alpine\nEXPOSE 99999\nENV B c\n",
		"FROM alpine\nVOLUME $NOTHING\nENV B c\n",
		"FROM alpine\nCOPY --chmod=9999 a /b\nENV B c\n",
		"FROM alpine\nCOPY https://example.com/a /b\nENV B c\n",
		"FROM alpine\nRUN --mount=type=cache,target=${X:?no} true\nENV B c\n",
		"ARG V='x\nFROM alpine\nENV B c\n",
	} {
		df, err := ParseDockerfile("Dockerfile", []byte(src))
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		full := fullBuildKitFindings(t, df)
		if hasRule(full, "LegacyKeyValueFormat") {
			t.Errorf("%q: BuildKit converts it to the end, not a case for this test: %v", src, full)
		}
		got := gatedBuildKitFindings(t, df)
		if !reflect.DeepEqual(got, full) {
			t.Errorf("%q: got %v, DockerfileLint gives %v", src, got, full)
		}
	}
}

// TestBuildKitGateCorpus compares runBuildKitChecks with DockerfileLint run
// on every file of the real-world corpus.
func TestBuildKitGateCorpus(t *testing.T) {
	files := corpusFiles(t)
	linted, skipped := 0, 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		df, err := ParseDockerfile(filepath.Base(file), src)
		if err != nil {
			continue
		}
		linted++
		if _, ok := legacyKeyValueWarnings(df); ok && !df.buildKitMayWarn() {
			skipped++
		}
		got := gatedBuildKitFindings(t, df)
		if full := fullBuildKitFindings(t, df); !reflect.DeepEqual(got, full) {
			t.Errorf("%s: got %v, DockerfileLint gives %v", file, got, full)
		}
	}
	t.Logf("%d files linted, %d without DockerfileLint", linted, skipped)
	if skipped < linted/3 {
		t.Errorf("only %d of %d files skip DockerfileLint", skipped, linted)
	}
}

// FuzzBuildKitGate checks on any Dockerfile that skipping DockerfileLint
// when buildKitMayWarn says so changes no finding.
func FuzzBuildKitGate(f *testing.F) {
	for _, c := range gateCases {
		if c.src != "" {
			f.Add([]byte(c.src))
		}
	}
	_ = filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(d.Name(), "Dockerfile") {
			if src, err := os.ReadFile(path); err == nil {
				f.Add(src)
			}
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, src []byte) {
		df, err := ParseDockerfile("Dockerfile", src)
		if err != nil {
			return
		}
		full, err1 := buildKitWarnings(context.Background(), df, true)
		gated, err2 := buildKitWarnings(context.Background(), df, false)
		if err1 != nil || err2 != nil {
			if (err1 == nil) != (err2 == nil) {
				t.Errorf("DockerfileLint: %v; runBuildKitChecks: %v", err1, err2)
			}
			return
		}
		got, want := inOrder(buildKitFindings(df, gated)), inOrder(buildKitFindings(df, full))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, DockerfileLint gives %v", got, want)
		}
	})
}

// fullBuildKitFindings runs DockerfileLint itself. Its findings, and those of runBuildKitChecks, are
// compared in Run's order, with the message last: BuildKit reports some warnings in map order.
func fullBuildKitFindings(t *testing.T, df *Dockerfile) []Finding {
	t.Helper()
	ws, err := buildKitWarnings(context.Background(), df, true)
	if err != nil {
		t.Fatal(err)
	}
	return inOrder(buildKitFindings(df, ws))
}

func gatedBuildKitFindings(t *testing.T, df *Dockerfile) []Finding {
	t.Helper()
	fs, err := runBuildKitChecks(context.Background(), df)
	if err != nil {
		t.Fatal(err)
	}
	return inOrder(fs)
}

func inOrder(fs []Finding) []Finding {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col), cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message)) < 0
	})
	return fs
}

func hasRule(fs []Finding, rule string) bool {
	for _, f := range fs {
		if f.Rule == rule {
			return true
		}
	}
	return false
}
