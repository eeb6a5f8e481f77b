package layerdiff

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// FormatSize renders a byte count the way people read sizes: "0 B", "812 B", "4.2 kB", "81 MB", "1.3 GB"
// (decimal units, as docker images and dive print them).
func FormatSize(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := formatAbs(n)
	if neg {
		return "-" + s
	}
	return s
}

func formatAbs(n int64) string {
	if n < 1000 {
		return strconv.FormatInt(n, 10) + " B"
	}
	units := []string{"kB", "MB", "GB", "TB", "PB", "EB"}
	v := float64(n)
	for _, u := range units {
		v /= 1000
		if v < 999.5 {
			if v < 9.95 {
				return strconv.FormatFloat(v, 'f', 1, 64) + " " + u
			}
			return strconv.FormatFloat(math.Round(v), 'f', 0, 64) + " " + u
		}
	}
	return strconv.FormatInt(n, 10) + " B"
}

// ParseSize reads a size such as "1048576", "10MB", "1.5 GiB" or "512k": decimal units (k, M, G, T, with or
// without a trailing B) and binary ones (Ki, Mi, Gi, Ti with an optional B).
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.TrimSpace(t[i:])
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("invalid size %q: want a number with an optional unit, like 10MB or 1.5GiB", s)
	}
	mult := map[string]float64{"": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9,
		"t": 1e12, "tb": 1e12, "ki": 1 << 10, "kib": 1 << 10, "mi": 1 << 20, "mib": 1 << 20, "gi": 1 << 30,
		"gib": 1 << 30, "ti": 1 << 40, "tib": 1 << 40}[strings.ToLower(unit)]
	if mult == 0 {
		return 0, fmt.Errorf("invalid size %q: unknown unit %q", s, unit)
	}
	r := v * mult
	// float64(math.MaxInt64) rounds up to 2^63, which int64 cannot hold.
	if r >= math.MaxInt64 {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return int64(r), nil
}
