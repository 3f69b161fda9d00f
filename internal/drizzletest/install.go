package drizzletest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hogsend/hogsend-db/internal/flock"
)

// installTimeout bounds one `npm ci`: a cold npm cache downloads the pinned
// drizzle packages (tens of MB).
const installTimeout = 10 * time.Minute

// stagingPrefix names the directories in a package dir where npm ci runs
// before its node_modules is renamed into place.
const stagingPrefix = ".npm-staging-"

// errNoNpm is returned by install when node_modules must be installed but
// npm is not on PATH.
var errNoNpm = errors.New("npm is not on PATH")

// installs remembers, per package directory, the outcome of the one install
// attempt this test binary makes: a missing package is installed once, not
// once per test.
var installs sync.Map // abs dir -> *installOnce

type installOnce struct {
	once sync.Once
	err  error
}

// ensureInstalled installs dir's node_modules with `npm ci` when it is
// missing or does not match package.json, once per test binary, serialised
// across test binaries by a lock file.
func ensureInstalled(dir string) error {
	v, _ := installs.LoadOrStore(dir, &installOnce{})
	o := v.(*installOnce)
	o.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
		defer cancel()
		o.err = install(ctx, dir, "npm")
	})
	return o.err
}

// install runs `npm ci` for the package in dir unless its node_modules is
// already complete. npm runs in a staging directory next to node_modules
// and its result is renamed into place, so node_modules either is a complete
// install or does not exist: an install killed halfway leaves only a staging
// directory, which the next install removes. The lock (flock on a file in
// os.TempDir named after dir) serialises concurrent test binaries; whoever
// gets it second finds the install complete and returns.
func install(ctx context.Context, dir, npm string) (err error) {
	if missingModules(dir) == "" {
		return nil
	}
	npmPath, err := exec.LookPath(npm)
	if err != nil {
		return errNoNpm
	}
	unlock, err := flock.Lock(ctx, lockPath(dir))
	if err != nil {
		return fmt.Errorf("lock npm install of %s: %w", dir, err)
	}
	defer unlock()
	if missingModules(dir) == "" { // installed while we waited for the lock
		return nil
	}
	if err := removeStaging(dir); err != nil {
		return err
	}
	staging, err := os.MkdirTemp(dir, stagingPrefix)
	if err != nil {
		return fmt.Errorf("create npm staging dir: %w", err)
	}
	defer os.RemoveAll(staging)
	for _, name := range []string{"package.json", "package-lock.json", ".npmrc"} {
		if err := copyFile(filepath.Join(dir, name), filepath.Join(staging, name)); err != nil {
			if name == ".npmrc" && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return fmt.Errorf("stage %s for npm ci: %w", name, err)
		}
	}
	cmd := exec.CommandContext(ctx, npmPath, "ci", "--no-audit", "--no-fund")
	cmd.Dir = staging
	// A killed npm may leave children holding the output pipe open.
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm ci in %s: %w\n%s", dir, err, tail(out.String(), 4000))
	}
	fresh := filepath.Join(staging, "node_modules")
	if problem := missingModules(staging); problem != "" {
		return fmt.Errorf("npm ci in %s succeeded but the install is incomplete: %s", dir, problem)
	}
	// Swap: a stale node_modules moves into staging (removed with it), the
	// fresh one takes its place. Each rename is atomic.
	target := filepath.Join(dir, "node_modules")
	if _, err := os.Lstat(target); err == nil {
		if err := os.Rename(target, filepath.Join(staging, "node_modules.old")); err != nil {
			return fmt.Errorf("move stale node_modules aside: %w", err)
		}
	}
	if err := os.Rename(fresh, target); err != nil {
		return fmt.Errorf("move installed node_modules into %s: %w", dir, err)
	}
	return nil
}

// lockPath is the lock file for dir's install, outside the source tree so
// it never shows up in git status.
func lockPath(dir string) string {
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(os.TempDir(), "hogsend-db-npm-"+hex.EncodeToString(sum[:8])+".lock")
}

// removeStaging deletes staging directories left by a killed install.
func removeStaging(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), stagingPrefix) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("remove a killed install's %s: %w", e.Name(), err)
			}
		}
	}
	return nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
