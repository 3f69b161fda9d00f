// Package pgserver finds the installed PostgreSQL server binaries and the
// account to run them as, and says how the server is then reached: what
// internal/pgtest's throwaway clusters and `hogsend-db dev`'s local server
// share.
package pgserver

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoBinaries is matched (errors.Is) by a *MissingError.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries")

// InstallHint names the package that provides initdb and postgres, per
// platform. It is data: callers put it in their own messages.
const InstallHint = "install the PostgreSQL server: Debian/Ubuntu `apt-get install postgresql`, " +
	"macOS `brew install postgresql@16`, Fedora/RHEL `dnf install postgresql-server`"

// MissingError says where FindBinDir looked.
type MissingError struct {
	Tried  []string
	EnvVar string // the variable that names a bin directory, "" if none
}

func (e *MissingError) Error() string {
	msg := fmt.Sprintf("pgserver: %v (%s); %s", ErrNoBinaries, strings.Join(e.Tried, ", "), InstallHint)
	if e.EnvVar != "" {
		msg += ", or set " + e.EnvVar + " to the directory holding initdb and postgres"
	}
	return msg
}

func (e *MissingError) Unwrap() error { return ErrNoBinaries }

// FindBinDir returns a directory holding initdb, postgres and pg_ctl:
// override (when not empty), then PATH (symlinks resolved), then the
// highest version under /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin and
// Homebrew's postgresql@* prefixes. envVar names override in the error.
func FindBinDir(override, envVar string) (string, error) {
	var tried, candidates []string
	if override != "" {
		candidates = append(candidates, override)
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			candidates = append(candidates, filepath.Dir(real))
		}
		candidates = append(candidates, filepath.Dir(p))
	} else {
		tried = append(tried, "initdb not on PATH")
	}
	for _, pattern := range []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin",
		"/opt/homebrew/opt/postgresql@*/bin", "/usr/local/opt/postgresql@*/bin"} {
		dirs, _ := filepath.Glob(pattern)
		sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
		candidates = append(candidates, dirs...)
	}
	for _, dir := range candidates {
		if IsExecutable(filepath.Join(dir, "initdb")) && IsExecutable(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
		tried = append(tried, dir+" lacks initdb or postgres")
	}
	if len(candidates) == 0 {
		tried = append(tried, "no /usr/lib/postgresql/*/bin")
	}
	return "", &MissingError{Tried: tried, EnvVar: envVar}
}

// versionOf extracts the major version from .../postgresql/15/bin,
// /usr/pgsql-15/bin or .../postgresql@16/bin; unknown sorts last.
func versionOf(dir string) float64 {
	for _, part := range strings.FieldsFunc(dir, func(r rune) bool { return r == '/' || r == '-' || r == '@' }) {
		if v, err := strconv.ParseFloat(part, 64); err == nil {
			return v
		}
	}
	return -1
}

// IsExecutable reports whether path is an executable regular file.
func IsExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// Account is the unprivileged user that runs initdb and postgres when we
// are root: both refuse to run as root.
type Account struct {
	Name     string
	UID, GID uint32
}

// RunAs returns nil when the current user may run the server itself, else
// the account to run it as: the "postgres" user the server packages create.
func RunAs() (*Account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	a, err := LookupAccount("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgserver: running as root, and PostgreSQL refuses to run as root; "+
			"no unprivileged user \"postgres\" to run it as (%w): run as an ordinary user", err)
	}
	return a, nil
}

// LookupAccount returns the user called name.
func LookupAccount(name string) (*Account, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, err
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("user %s has non-numeric ids", name)
	}
	return &Account{Name: name, UID: uint32(uid), GID: uint32(gid)}, nil
}

// ChildEnv is the environment for initdb, pg_ctl and postgres: PG*
// variables dropped so they see only our flags, and the C locale.
func ChildEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgserver: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// LocalURL is how a server this package started is reached: superuser
// postgres (trust auth), the maintenance database, on 127.0.0.1:port,
// without TLS (the servers have no certificate).
func LocalURL(port int) *url.URL {
	return &url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Path:     "/postgres",
		RawQuery: "sslmode=disable",
	}
}

// Postmaster is what a running server's postmaster.pid records.
type Postmaster struct {
	PID  int
	Port int
}

// ReadPostmaster reads dataDir/postmaster.pid (line 1: pid, line 4: port).
func ReadPostmaster(dataDir string) (Postmaster, error) {
	f, err := os.Open(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return Postmaster{}, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return Postmaster{}, err
	}
	lines := strings.Split(string(raw), "\n")
	var pm Postmaster
	if pm.PID, err = strconv.Atoi(strings.TrimSpace(lines[0])); err != nil {
		return Postmaster{}, fmt.Errorf("pgserver: postmaster.pid: bad pid line %q", lines[0])
	}
	if len(lines) > 3 {
		pm.Port, _ = strconv.Atoi(strings.TrimSpace(lines[3]))
	}
	return pm, nil
}
