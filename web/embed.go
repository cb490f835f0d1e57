// Package web holds the built front end (web/dist, made by `npm run build`
// from web/src) embedded in the binary.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built front end, rooted at its directory: index.html
// and its assets.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only on an invalid path; "dist" is valid.
		return dist
	}
	return sub
}
