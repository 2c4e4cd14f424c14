// Package safefile reads files that someone else wrote, such as students'
// copies of the lessons in their home folders, without being fooled by what
// they may have put there: only regular files are read, never through a
// symbolic link, never blocking on a FIFO or a device swapped in, never
// outside a root folder, and never more than a limit.
//
// Package answerfile reads answers files with it; the class view reads
// notebooks and lists folders with it.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// RefusedError reports a file that was refused without being read (or without
// being read to the end): not a regular file, or too large.
type RefusedError struct {
	// Path is the refused file.
	Path string
	// Reason says what the file is and what to do about it.
	Reason string
}

// Error returns "path: refused: reason".
func (e *RefusedError) Error() string { return e.Path + ": refused: " + e.Reason }

// RefusalReason says why a file of this mode is not read, or returns "" for
// a regular file. Only regular files are read: a symbolic link could point
// anywhere (another student's file, /dev/zero), a FIFO or a device could block
// the reader or never end.
func RefusalReason(mode fs.FileMode) string {
	switch t := mode.Type(); {
	case t == 0:
		return ""
	case t&fs.ModeSymlink != 0:
		return "it is a symbolic link, and links are not followed; copy the real files into the folder instead"
	case t&fs.ModeDir != 0:
		return "it is a folder, not a file"
	case t&fs.ModeNamedPipe != 0:
		return "it is a FIFO (named pipe), not a file; remove it"
	case t&fs.ModeSocket != 0:
		return "it is a socket, not a file; remove it"
	case t&fs.ModeDevice != 0:
		return "it is a device, not a file; remove it"
	}
	return "it is not a regular file; remove it"
}

// ReadRegularFile reads the file name (a path relative to root) inside root,
// refusing with a *RefusedError anything that is not a regular file of at
// most limit bytes. It never blocks on a FIFO or a device, never follows a
// symbolic link at name, and never reads outside root:
//
//  1. the file is checked with Lstat first, and only a regular file is opened;
//  2. it is opened through root with O_NONBLOCK (on Unix), so a FIFO or device
//     swapped in after the check does not block the open;
//  3. the opened file must still be a regular file and the very file checked
//     (Fstat, os.SameFile), else it was replaced in the meantime;
//  4. at most limit+1 bytes are read, so a file that grows is refused too.
func ReadRegularFile(root *os.Root, name string, limit int64) ([]byte, error) {
	path := filepath.Join(root.Name(), name)
	f, err := openChecked(root, name, func(info fs.FileInfo) string {
		if reason := RefusalReason(info.Mode()); reason != "" {
			return reason
		}
		if info.Size() > limit {
			return tooLarge(info.Size(), limit)
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, &RefusedError{Path: path, Reason: fmt.Sprintf("it grew over %s while being read", sizeText(limit))}
	}
	return data, nil
}

// openChecked opens name inside root when refuse, given what Lstat says of
// it, returns "" (else a *RefusedError with its reason): without following
// a link at name, with O_NONBLOCK (on Unix) so that a FIFO or a device
// swapped in after the check does not block, and only if the file opened is
// still the one checked and of the same type (Fstat, os.SameFile).
func openChecked(root *os.Root, name string, refuse func(fs.FileInfo) string) (*os.File, error) {
	path := filepath.Join(root.Name(), name)
	before, err := root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if reason := refuse(before); reason != "" {
		return nil, &RefusedError{Path: path, Reason: reason}
	}
	if testHookAfterLstat != nil {
		testHookAfterLstat(name)
	}
	f, err := root.OpenFile(name, os.O_RDONLY|openNonBlocking, 0)
	if err != nil {
		return nil, err
	}
	opened, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if testHookAfterOpen != nil {
		testHookAfterOpen(name)
	}
	if opened.Mode().Type() != before.Mode().Type() || !os.SameFile(before, opened) {
		f.Close()
		return nil, &RefusedError{Path: path, Reason: "it was replaced while being read; run again when nobody is changing the folder"}
	}
	return f, nil
}

// Test hooks, to change a file between the checks of ReadRegularFile.
var testHookAfterLstat, testHookAfterOpen func(name string)

func tooLarge(size, limit int64) string {
	return fmt.Sprintf("it is %d bytes, over the limit of %s; a real file is far smaller, so check where it came from", size, sizeText(limit))
}

// sizeText writes a size in bytes, KiB or MiB.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// OpenRegularFile opens the file name (a path relative to root) inside
// root for the caller to read, with the care of ReadRegularFile: only a
// regular file, never through a symbolic link at name, never blocking on a
// FIFO or a device swapped in, and only the very file checked. check, when
// not nil, may refuse the file too, given what Lstat says of it (its size,
// its owner), by returning the reason. The caller bounds what it reads: the
// file may grow.
func OpenRegularFile(root *os.Root, name string, check func(fs.FileInfo) string) (*os.File, error) {
	return openChecked(root, name, func(info fs.FileInfo) string {
		if reason := RefusalReason(info.Mode()); reason != "" {
			return reason
		}
		if check != nil {
			return check(info)
		}
		return ""
	})
}

// ReadDirIn lists the folder name (relative to root; "." for root itself)
// inside root, sorted by name, with the same care as ReadRegularFile: the
// folder is checked with Lstat, opened with O_NONBLOCK, and must still be
// that folder once open. A symbolic link or anything else that is not a
// folder gives a *RefusedError. The entries' types are not followed: a link
// in the folder is listed as a link.
func ReadDirIn(root *os.Root, name string) ([]fs.DirEntry, error) {
	entries, _, err := ReadDirInLimit(root, name, -1)
	return entries, err
}

// ReadDirInLimit is ReadDirIn reading at most limit entries (all when
// limit <= 0); more reports that the folder holds more. A folder with a
// million files then costs no more than limit entries, but which entries
// come first is the file system's order, not the names'.
func ReadDirInLimit(root *os.Root, name string, limit int) (entries []fs.DirEntry, more bool, err error) {
	f, err := openChecked(root, name, func(info fs.FileInfo) string {
		switch {
		case info.IsDir():
			return ""
		case info.Mode().IsRegular():
			return "it is a file, not a folder"
		}
		return RefusalReason(info.Mode())
	})
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	if limit <= 0 {
		entries, err = f.ReadDir(-1)
	} else {
		entries, err = f.ReadDir(limit + 1)
		if errors.Is(err, io.EOF) {
			err = nil
		}
		if len(entries) > limit {
			entries, more = entries[:limit], true
		}
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading the folder %s: %w", filepath.Join(root.Name(), name), err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	return entries, more, nil
}
