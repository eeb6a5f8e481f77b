package layerdiff

import "testing"

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 4200: "4.2 kB", 81_000_000: "81 MB",
		999_600: "1.0 MB", 1_300_000_000: "1.3 GB", -2500: "-2.5 kB"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for s, want := range map[string]int64{"1048576": 1 << 20, "10MB": 10_000_000, "1.5 GiB": 3 << 29, "512k": 512_000, "2Mi": 2 << 20, "0": 0} {
		if got, err := ParseSize(s); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "MB", "-1", "10XB", "1e999"} {
		if _, err := ParseSize(s); err == nil {
			t.Errorf("ParseSize(%q): no error", s)
		}
	}
}

// FuzzParseSize checks that ParseSize never returns a negative size (an overflow) or panics.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"10MB", "1.5GiB", "9223372036854775807", "9223372036854775808 B", "0", ".5k", "8EiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err == nil && n < 0 {
			t.Fatalf("ParseSize(%q) = %d", s, n)
		}
	})
}
