// Server lifecycle: the initialize handshake, the capabilities layerls announces, and what it does once the
// client is initialized.

package lsp

import (
	"encoding/json"
	"time"

	"go.lsp.dev/protocol"
)

// initializeParams are the parts of InitializeParams the server reads, with the LSP 3.17 capabilities
// go.lsp.dev/protocol lacks.
type initializeParams struct {
	RootURI               protocol.DocumentURI       `json:"rootUri"`
	RootPath              string                     `json:"rootPath"`
	WorkspaceFolders      []protocol.WorkspaceFolder `json:"workspaceFolders"`
	InitializationOptions json.RawMessage            `json:"initializationOptions"`
	Capabilities          struct {
		Workspace struct {
			InlayHint             InlayHintWorkspaceClientCapabilities `json:"inlayHint"`
			DidChangeWatchedFiles struct {
				DynamicRegistration bool `json:"dynamicRegistration"`
			} `json:"didChangeWatchedFiles"`
		} `json:"workspace"`
	} `json:"capabilities"`
}

// serverCapabilities adds the inlay-hint provider to go.lsp.dev/protocol's capabilities.
type serverCapabilities struct {
	protocol.ServerCapabilities
	InlayHintProvider *InlayHintOptions `json:"inlayHintProvider,omitempty"`
}

type initializeResult struct {
	Capabilities serverCapabilities   `json:"capabilities"`
	ServerInfo   *protocol.ServerInfo `json:"serverInfo,omitempty"`
}

func (s *server) initialize(params json.RawMessage) (any, error) {
	var p initializeParams
	if len(params) > 0 && string(params) != "null" {
		if err := decode(params, &p); err != nil {
			return nil, err
		}
	}
	root := filePath(p.RootURI)
	if root == "" && len(p.WorkspaceFolders) > 0 {
		root = filePath(protocol.DocumentURI(p.WorkspaceFolders[0].URI))
	}
	if root == "" {
		root = p.RootPath
	}
	settings, warnings := parseSettings(defaultSettings(), p.InitializationOptions, root)
	s.mu.Lock()
	s.state = stateRunning
	s.root = root
	s.settings = settings
	s.pendingWarns = warnings
	s.refreshSupport = p.Capabilities.Workspace.InlayHint.RefreshSupport
	s.watchDynamic = p.Capabilities.Workspace.DidChangeWatchedFiles.DynamicRegistration
	s.mu.Unlock()
	s.logger.Printf("initialized: root %q, image %q, context %q", root, settings.Image, settings.Context)
	return &initializeResult{
		Capabilities: serverCapabilities{
			ServerCapabilities: protocol.ServerCapabilities{
				TextDocumentSync: &protocol.TextDocumentSyncOptions{
					OpenClose: true,
					// Incremental: typing in a long file sends the keystroke, not the file.
					Change: protocol.TextDocumentSyncKindIncremental,
					Save:   &protocol.SaveOptions{IncludeText: false},
				},
				HoverProvider:          true,
				CodeActionProvider:     &protocol.CodeActionOptions{CodeActionKinds: []protocol.CodeActionKind{protocol.QuickFix}},
				DocumentSymbolProvider: true,
				FoldingRangeProvider:   true,
				CodeLensProvider:       &protocol.CodeLensOptions{},
				// The Dockerfile language (handlers_language.go).
				CompletionProvider:        &protocol.CompletionOptions{TriggerCharacters: []string{"$", "{", "-", "=", ","}},
				DefinitionProvider:        true,
				ReferencesProvider:        true,
				DocumentHighlightProvider: true,
				RenameProvider:            &protocol.RenameOptions{PrepareProvider: true},
				DocumentLinkProvider:      &protocol.DocumentLinkOptions{},
				SemanticTokensProvider:    &SemanticTokensOptions{Legend: SemanticTokensLegend(), Full: true, Range: true},
			},
			InlayHintProvider: &InlayHintOptions{},
		},
		ServerInfo: &protocol.ServerInfo{Name: "layerls", Version: s.opts.Version},
	}, nil
}

// initialized starts watching files: the client's watchers when it lets the server register them, and
// polling of the image files in any case.
func (s *server) initialized() {
	s.mu.Lock()
	warns := s.pendingWarns
	s.pendingWarns = nil
	dynamic := s.watchDynamic
	s.mu.Unlock()
	for _, w := range warns {
		s.showOnce(protocol.MessageTypeWarning, w)
	}
	if dynamic {
		s.callClient(protocol.MethodClientRegisterCapability, &protocol.RegistrationParams{Registrations: []protocol.Registration{{
			ID: "layerls-watch", Method: protocol.MethodWorkspaceDidChangeWatchedFiles,
			RegisterOptions: map[string]any{"watchers": []map[string]any{{"globPattern": "**/*"}}},
		}}})
	}
	if s.opts.PollInterval > 0 {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			t := time.NewTicker(s.opts.PollInterval)
			defer t.Stop()
			for {
				select {
				case <-s.ctx.Done():
					return
				case <-t.C:
					s.dropUnused()
					s.images.poll()
				}
			}
		}()
	}
}
