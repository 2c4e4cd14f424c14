//go:build unix

package classview

import (
	"io/fs"
	"syscall"
)

// fileOwner returns the user id owning the file info describes.
func fileOwner(info fs.FileInfo) (uint32, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return st.Uid, true
}
