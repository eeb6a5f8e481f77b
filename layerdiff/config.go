package layerdiff

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// DiffConfig lists the runtime config fields that differ between a and b: Env, Cmd, Entrypoint, WorkingDir,
// User, ExposedPorts, Labels, Volumes, StopSignal, Healthcheck and Shell, and the platform.
func DiffConfig(a, b *v1.ConfigFile) []ConfigChange {
	var ca, cb v1.Config
	if a != nil {
		ca = a.Config
	}
	if b != nil {
		cb = b.Config
	}
	out := []ConfigChange{}
	add := func(field string, va, vb any) {
		if !reflect.DeepEqual(va, vb) {
			out = append(out, ConfigChange{Field: field, A: va, B: vb})
		}
	}
	// keyed compares map- or set-valued fields item by item; showA and showB are what the report prints.
	keyed := func(field string, va, vb map[string]string, showA, showB any) {
		if maps.Equal(va, vb) {
			return
		}
		c := ConfigChange{Field: field, A: showA, B: showB}
		for _, k := range sortedKeys(vb) {
			if old, ok := va[k]; !ok || old != vb[k] {
				c.Added = append(c.Added, item(k, vb[k]))
			}
		}
		for _, k := range sortedKeys(va) {
			if nv, ok := vb[k]; !ok || nv != va[k] {
				c.Removed = append(c.Removed, item(k, va[k]))
			}
		}
		out = append(out, c)
	}
	keyed("Env", envMap(ca.Env), envMap(cb.Env), ca.Env, cb.Env)
	add("Entrypoint", ca.Entrypoint, cb.Entrypoint)
	add("Cmd", ca.Cmd, cb.Cmd)
	add("WorkingDir", ca.WorkingDir, cb.WorkingDir)
	add("User", ca.User, cb.User)
	keyed("ExposedPorts", setMap(ca.ExposedPorts), setMap(cb.ExposedPorts), setList(ca.ExposedPorts), setList(cb.ExposedPorts))
	keyed("Labels", ca.Labels, cb.Labels, ca.Labels, cb.Labels)
	keyed("Volumes", setMap(ca.Volumes), setMap(cb.Volumes), setList(ca.Volumes), setList(cb.Volumes))
	add("StopSignal", ca.StopSignal, cb.StopSignal)
	add("Healthcheck", ca.Healthcheck, cb.Healthcheck)
	add("Shell", ca.Shell, cb.Shell)
	if a != nil && b != nil {
		add("Platform", platform(a), platform(b))
	}
	return out
}

func platform(c *v1.ConfigFile) string {
	p := c.OS + "/" + c.Architecture
	if c.Variant != "" {
		p += "/" + c.Variant
	}
	return p
}

// envMap turns ["K=v", ...] into a map; a later duplicate wins, as it does in a container.
func envMap(env []string) map[string]string {
	if len(env) == 0 {
		return nil
	}
	m := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func setMap(s map[string]struct{}) map[string]string {
	if len(s) == 0 {
		return nil
	}
	m := make(map[string]string, len(s))
	for k := range s {
		m[k] = "\x00" // a set member: printed without "=value"
	}
	return m
}

func setList(s map[string]struct{}) []string {
	if len(s) == 0 {
		return nil
	}
	return slices.Sorted(maps.Keys(s))
}

func item(k, v string) string {
	if v == "\x00" {
		return k
	}
	return fmt.Sprintf("%s=%s", k, v)
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
