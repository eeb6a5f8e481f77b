package layerdiff

import v1 "github.com/google/go-containerregistry/pkg/v1"

// LayerHistory returns, for each layer of an image with config cfg (bottom first), the history entry that
// made it: history entries without empty_layer correspond to layers in order. The result has one element per
// layer; an element is nil when the history is missing or has fewer non-empty entries than there are layers.
func LayerHistory(cfg *v1.ConfigFile) []*v1.History {
	if cfg == nil {
		return nil
	}
	out := make([]*v1.History, len(cfg.RootFS.DiffIDs))
	k := 0
	for i := range cfg.History {
		h := &cfg.History[i]
		if h.EmptyLayer {
			continue
		}
		if k >= len(out) {
			break
		}
		out[k] = h
		k++
	}
	return out
}
