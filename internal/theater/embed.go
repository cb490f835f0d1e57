package theater

import (
	"embed"
	"io/fs"
)

//go:generate go run ./gen/cmd/theatergen -dir data/iraq-syria

//go:embed data/iraq-syria
var embedded embed.FS

// Embedded returns the Iraq–Syria theater compiled into the binary.
func Embedded() fs.FS {
	sub, err := fs.Sub(embedded, "data/iraq-syria")
	if err != nil {
		// Unreachable: fs.Sub fails only for an invalid path, and this one
		// is constant. Load reports the missing files.
		return embedded
	}
	return sub
}
