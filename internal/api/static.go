package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"raqib/internal/errs"
)

// contentTypes are the types of the front end's files by extension, so
// that they do not depend on the machine's MIME tables (the server sends
// nosniff: a script or a style sheet with the wrong type is refused).
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".geojson":     "application/geo+json",
	".webmanifest": "application/manifest+json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".webp":        "image/webp",
	".ico":         "image/x-icon",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
	".ttf":         "font/ttf",
	".otf":         "font/otf",
	".pbf":         "application/x-protobuf",
	".wasm":        "application/wasm",
	".txt":         "text/plain; charset=utf-8",
}

// staticFile is one file of the front end, read once.
type staticFile struct {
	data []byte
	etag string
}

// staticFiles caches the front end's files: the embedded tree never
// changes while the server runs.
type staticFiles struct {
	mu    sync.Mutex
	files map[string]*staticFile
}

// staticHandler serves the front end: index.html at /, the other files by
// name. A name that is not a file is 404, never the page: the front end
// has no routes of its own. Every file is revalidated (no-cache) against
// its ETag, so a new build is picked up at once.
func (s *Server) staticHandler() http.Handler {
	cache := &staticFiles{files: map[string]*staticFile{}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			var body errorBody
			body.Error.Code = errs.Invalid
			body.Error.Message = fmt.Sprintf("method %s is not allowed on %s (allowed: GET, HEAD)", r.Method, r.URL.Path)
			writeJSON(w, http.StatusMethodNotAllowed, body)
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if name == "" {
			name = "index.html"
		}
		f, err := cache.get(s.web, name)
		if err != nil {
			s.writeError(w, r, err)
			return
		}

		h := w.Header()
		ct := contentTypes[path.Ext(name)]
		if ct == "" {
			ct = mime.TypeByExtension(path.Ext(name))
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", f.etag)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.data))
	})
}

// get returns a file of the front end, reading it on first use.
func (c *staticFiles) get(fsys fs.FS, name string) (*staticFile, error) {
	notFound := errs.E(errs.NotFound, "no such file: /%s", name)
	if fsys == nil || !fs.ValidPath(name) {
		return nil, notFound
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.files[name]; ok {
		return f, nil
	}
	fh, err := fsys.Open(name)
	if err != nil {
		return nil, notFound
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil || st.IsDir() {
		return nil, notFound
	}
	data, err := io.ReadAll(fh)
	if err != nil {
		return nil, errs.E(errs.Internal, "read front-end file %s: %v", name, err)
	}
	sum := sha256.Sum256(data)
	f := &staticFile{data: data, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	c.files[name] = f
	return f, nil
}
