package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// sarifSchemaFile is the OASIS SARIF 2.1.0 schema; testdata/README.md says
// where the copy comes from.
const sarifSchemaFile = "testdata/sarif-schema-2.1.0.json"

func compileSARIFSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(sarifSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", sarifSchemaFile, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(sarifSchemaFile, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(sarifSchemaFile)
	if err != nil {
		t.Fatalf("compiling %s: %v", sarifSchemaFile, err)
	}
	return sch
}

// TestSARIFSchema validates --format sarif output, without and with measured
// bytes, against the SARIF 2.1.0 schema, and checks that the validation
// catches broken logs.
func TestSARIFSchema(t *testing.T) {
	sch := compileSARIFSchema(t)
	outputs := map[string][]string{
		"sample": {"--format", "sarif", "testdata/sample.Dockerfile"},
		"image": {"--format", "sarif", "--config", "testdata/image.layerlint.yaml", "--image", "../../testdata/images/app-v2.tar",
			"../../testdata/images/app-v2/Dockerfile"},
		"clean": {"--format", "sarif", "--ignore", "JSONArgsRecommended", "../../testdata/images/base/Dockerfile"},
	}
	var sample map[string]any
	for name, args := range outputs {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code == exitBadInput {
			t.Fatalf("%s: exit %d: %s", name, code, errb.String())
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s: SARIF output does not validate: %v", name, err)
		}
		if name == "image" && !strings.Contains(out.String(), `"properties": {`) {
			t.Errorf("image: no result properties with bytes:\n%s", out.String())
		}
		if name == "sample" {
			sample = inst.(map[string]any)
		}
	}

	// Each mutation breaks the schema in a different way; all must fail.
	result := func(log map[string]any) map[string]any {
		return log["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)
	}
	mutations := map[string]func(log map[string]any){
		"no version":         func(log map[string]any) { delete(log, "version") },
		"unknown top key":    func(log map[string]any) { log["findings"] = []any{} },
		"bad level":          func(log map[string]any) { result(log)["level"] = "fatal" },
		"line 0":             func(log map[string]any) { region(result(log))["startLine"] = 0 },
		"message not object": func(log map[string]any) { result(log)["message"] = "text" },
		"bytes not a bag":    func(log map[string]any) { result(log)["properties"] = 42 },
	}
	for name, mutate := range mutations {
		log := deepCopy(t, sample)
		mutate(log)
		if err := sch.Validate(log); err == nil {
			t.Errorf("mutation %q: invalid SARIF passed validation", name)
		}
	}
}

func region(res map[string]any) map[string]any {
	loc := res["locations"].([]any)[0].(map[string]any)
	return loc["physicalLocation"].(map[string]any)["region"].(map[string]any)
}

func deepCopy(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return inst.(map[string]any)
}
