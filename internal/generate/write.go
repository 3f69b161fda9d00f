package generate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/tracks"
)

func dirFS(dir string) fs.FS { return tracks.DirFS(dir) }

// ErrExists: a file the migration would create is already there.
var ErrExists = errors.New("generate: file already exists")

// Write saves a prepared result into dir: the SQL file and the snapshot
// first, each through a temporary file renamed into place, the journal
// last. When a step fails, the files written before it are removed, so the
// folder is left as it was. Existing files are never overwritten (except
// the journal).
func Write(dir string, res *Result) error {
	if dir == "" {
		return errors.New("generate: no folder to write into")
	}
	if res == nil || res.snapshot == nil {
		return nil
	}
	if res.folder && !res.Changed { // a backfilled snapshot.json, in its migration's folder
		if err := writeNew(filepath.Join(dir, filepath.FromSlash(res.Snapshot)), res.snapshot); err != nil {
			return err
		}
		res.Written = true
		return nil
	}
	if res.folder {
		return writeFolder(dir, res)
	}
	meta := filepath.Join(dir, "meta")
	createdMeta := false
	if _, err := os.Stat(meta); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(meta, 0o755); err != nil {
			return fmt.Errorf("generate: create %s: %w", meta, err)
		}
		createdMeta = true
	}
	var written []string
	undo := func() {
		for i := len(written) - 1; i >= 0; i-- {
			_ = os.Remove(written[i])
		}
		if createdMeta {
			_ = os.Remove(meta)
			_ = os.Remove(dir) // only succeeds when it is empty
		}
	}
	if res.Changed {
		p := filepath.Join(dir, filepath.FromSlash(res.File))
		if err := writeNew(p, res.sql); err != nil {
			undo()
			return err
		}
		written = append(written, p)
	}
	snap := filepath.Join(dir, filepath.FromSlash(res.Snapshot))
	if err := writeNew(snap, res.snapshot); err != nil {
		undo()
		return err
	}
	written = append(written, snap)
	if res.Changed {
		if err := writeAtomic(filepath.Join(dir, filepath.FromSlash(journal.JournalPath)), res.journalBytes); err != nil {
			undo()
			return err
		}
	}
	res.Written = true
	return nil
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data []byte) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%w: %s", ErrExists, path)
	}
	return writeAtomic(path, data)
}

// writeAtomic writes data to a temporary file in the same folder, syncs it
// and renames it over path.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("generate: write %s: %w", path, err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("generate: write %s: %w", path, werr)
	}
	return nil
}

// writeFolder saves a migration in drizzle-kit 1.0's layout: a new folder
// holding migration.sql and snapshot.json. The folder must not exist; when
// a step fails it is removed again.
func writeFolder(dir string, res *Result) error {
	folder := filepath.Join(dir, filepath.FromSlash(res.Tag))
	if _, err := os.Lstat(folder); err == nil {
		return fmt.Errorf("%w: %s", ErrExists, folder)
	}
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return fmt.Errorf("generate: create %s: %w", folder, err)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{res.File, res.sql}, {res.Snapshot, res.snapshot}} {
		if err := writeNew(filepath.Join(dir, filepath.FromSlash(f.name)), f.data); err != nil {
			_ = os.RemoveAll(folder)
			return err
		}
	}
	res.Written = true
	return nil
}
