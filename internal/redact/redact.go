// Package redact keeps database passwords out of everything hogsend-db
// prints and every error its packages return. It is the one home of
// redaction: masking the password of a URL or key=value DSN (URL), masking
// known passwords in every spelling they may be printed in (Redactor, Text,
// Error), and scrubbing anything shaped like a password from error text
// whose source is unknown (Text). Standard library only: guard depends on it.
package redact

import (
	"errors"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/hogsend/hogsend-db/internal/dsn"
)

// Mask replaces a password.
const Mask = "xxxxx"

// isSecretKey reports whether a key=value or query setting holds a password.
// libpq keys are case-sensitive, but a misspelt "PASSWORD" still holds one.
func isSecretKey(k string) bool {
	k = strings.ToLower(strings.TrimSpace(k))
	return k == "password" || k == "sslpassword"
}

// URL returns a URL or key=value DSN with its password masked; the rest is
// kept as written. A string dsn.Check refuses is never shown, not even in
// part: where its password starts and ends is unknown, so the result is
// "unparsable connection string (password hidden)".
func URL(raw string) string {
	if dsn.Check(raw) != nil {
		return dsn.ErrUnparsable.Error()
	}
	if dsn.IsURL(raw) {
		u, err := url.Parse(raw)
		if err != nil {
			return dsn.ErrUnparsable.Error()
		}
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), Mask)
		}
		q := u.Query()
		masked := false
		for k := range q {
			if isSecretKey(k) {
				q.Set(k, Mask)
				masked = true
			}
		}
		if masked {
			u.RawQuery = q.Encode()
		}
		u.Fragment, u.RawFragment = "", "" // pgx ignores it; it may hold a stray piece of a password
		return u.String()
	}
	settings, err := dsn.Parse(raw)
	if err != nil {
		return dsn.ErrUnparsable.Error()
	}
	// Right to left, so earlier spans stay valid.
	for i := len(settings) - 1; i >= 0; i-- {
		if s := settings[i]; isSecretKey(s.Key) {
			raw = raw[:s.Start] + Mask + raw[s.End:]
		}
	}
	return raw
}

// ConfigError is the error to show when a driver could not read the
// connection string raw. The driver's own message is not used: pgconn's
// quotes the string with its own, weaker masking, and its URL errors quote
// pieces of a password that a stray "/" cut up (invalid port ":pa"). The
// string is shown as URL shows it, then the underlying cause with every
// spelling of the password masked. errors.Is and errors.As still see err.
func ConfigError(raw string, err error) error {
	if err == nil {
		return nil
	}
	if cerr := dsn.Check(raw); cerr != nil {
		return &scrubbedError{msg: cerr.Error(), err: errors.Join(cerr, err)}
	}
	msg := "invalid connection string " + URL(raw)
	if inner := errors.Unwrap(err); inner != nil {
		msg += ": " + New(raw).String(inner.Error())
	}
	return &scrubbedError{msg: msg, err: err}
}

// Password-shaped text in messages of unknown origin: the user-info of a
// URL (scheme://user:secret@host) and a key=value or query setting
// (password=secret, password='a b', ?password=secret&...).
var (
	urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s]*@`)
	kvPassword  = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'?|(?:\\.|[^\s&'"\\])*)`)

	brokenPassword = regexp.MustCompile(`(?i)password\s*=\s*('(?:[^'\\]|\\.)*'|'.*|\S+)`)
)

// Text masks secrets (in every spelling, see Passwords) wherever they
// appear in s, then anything shaped like a password in a URL or key=value
// setting, for error text that may quote a connection string.
func Text(s string, secrets ...string) string {
	return newRedactor(secrets).String(s)
}

// Error returns err with its message scrubbed like Text: each dsn is shown
// masked (URL), its passwords hidden in every spelling, and password-shaped
// text removed. errors.Is and errors.As still see err; err is returned as is
// when there was nothing to hide.
func Error(err error, dsns ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, d := range dsns {
		if d != "" {
			msg = strings.ReplaceAll(msg, d, URL(d))
		}
	}
	if msg = Text(msg, Passwords(dsns...)...); msg == err.Error() {
		return err
	}
	return &scrubbedError{msg: msg, err: err}
}

// scrubbedError carries a scrubbed message; Unwrap keeps the original for
// errors.Is/As.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// Passwords extracts the passwords of the given URLs or DSNs, in every form
// they may be printed in (raw, as written, path-escaped, query-escaped,
// user-info, key=value-escaped). For a string dsn.Check refuses, the whole
// string is one of them, with the best guesses at its password.
func Passwords(urls ...string) []string {
	var out []string
	for _, raw := range urls {
		if raw == "" {
			continue
		}
		if dsn.Check(raw) != nil {
			out = addForms(out, raw)
			out = addForms(out, strings.TrimSpace(raw))
		}
		trimmed := strings.TrimSpace(raw)
		if dsn.IsURL(trimmed) {
			out = addForms(out, unparsablePassword(trimmed))
			u, err := url.Parse(trimmed)
			if err != nil {
				continue
			}
			p, _ := u.User.Password()
			out = addForms(out, p)
			for k, vs := range u.Query() {
				if isSecretKey(k) {
					for _, v := range vs {
						out = addForms(out, v)
					}
				}
			}
			for _, kv := range strings.Split(u.RawQuery, "&") {
				if k, v, ok := strings.Cut(kv, "="); ok && isSecretKey(k) {
					out = addForms(out, v) // as written
				}
			}
			continue
		}
		settings, err := dsn.Parse(trimmed)
		if err != nil {
			// Best effort for a broken DSN: a value after password=, an
			// unclosed quote running to the end as libpq reads it.
			for _, m := range brokenPassword.FindAllStringSubmatch(trimmed, -1) {
				out = addForms(out, m[1])
				out = addForms(out, strings.Trim(m[1], "'"))
			}
			continue
		}
		for _, s := range settings {
			if isSecretKey(s.Key) {
				out = addForms(out, s.Value)
				out = addForms(out, trimmed[s.Start:s.End]) // as written
			}
		}
	}
	return out
}

// unparsablePassword is the user-info password of a URL as written (up to
// the last "@", since a password may hold one); addForms adds its
// unescaped spelling.
func unparsablePassword(s string) string {
	rest := s[strings.Index(s, "://")+3:]
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return ""
	}
	_, p, ok := strings.Cut(rest[:at], ":")
	if !ok {
		return ""
	}
	return p
}

// addForms appends p in each spelling it may be printed in, once: raw,
// percent-unescaped, URL-escaped (path, query, user-info) and libpq
// key=value-escaped (a backslash before \, ' and, unquoted, spaces).
func addForms(out []string, p string) []string {
	if p == "" {
		return out
	}
	bases := []string{p}
	if u, err := url.PathUnescape(p); err == nil && u != p {
		bases = append(bases, u)
	}
	if u, err := url.QueryUnescape(p); err == nil && u != p {
		bases = append(bases, u)
	}
	for _, b := range bases {
		kv := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(b)
		for _, form := range []string{b, url.PathEscape(b), url.QueryEscape(b), url.UserPassword("", b).String()[1:],
			kv, strings.ReplaceAll(kv, " ", `\ `)} {
			if form != "" && !slices.Contains(out, form) {
				out = append(out, form)
			}
		}
	}
	return out
}

// Redactor masks a fixed set of secrets.
type Redactor struct {
	secrets []string
}

// New returns a Redactor for the passwords of the given URLs.
func New(urls ...string) *Redactor {
	return &Redactor{secrets: longestFirst(Passwords(urls...))}
}

// newRedactor masks the given passwords in every spelling.
func newRedactor(passwords []string) *Redactor {
	var forms []string
	for _, p := range passwords {
		forms = addForms(forms, p)
	}
	return &Redactor{secrets: longestFirst(forms)}
}

// longestFirst sorts secrets so that one containing another is masked whole.
func longestFirst(secrets []string) []string {
	for i := range secrets {
		for j := i + 1; j < len(secrets); j++ {
			if len(secrets[j]) > len(secrets[i]) {
				secrets[i], secrets[j] = secrets[j], secrets[i]
			}
		}
	}
	return secrets
}

// shortSecret is the length under which a password is masked only where it
// stands as a token of its own: masking "ro" everywhere would turn "error"
// into "erxxxxxr" and make every message unreadable. A short password inside
// a URL or a password= setting is still masked by the shape patterns.
const shortSecret = 4

// String masks every secret in s, and anything shaped like a password in a
// URL or a key=value setting.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	for _, sec := range r.secrets {
		if len(sec) < shortSecret {
			s = maskToken(s, sec)
			continue
		}
		s = strings.ReplaceAll(s, sec, Mask)
	}
	s = urlPassword.ReplaceAllString(s, "${1}"+Mask+"@")
	return kvPassword.ReplaceAllString(s, "${1}"+Mask)
}

// maskToken masks sec where neither neighbour is a letter or digit.
func maskToken(s, sec string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, sec)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(sec)
		if (i == 0 || !isWordByte(s[i-1])) && (end == len(s) || !isWordByte(s[end])) {
			b.WriteString(s[:i])
			b.WriteString(Mask)
		} else {
			b.WriteString(s[:end])
		}
		s = s[end:]
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// Writer wraps w so that everything written through it is masked. Writes
// are masked one at a time: callers write whole lines or documents.
func (r *Redactor) Writer(w io.Writer) io.Writer {
	if r == nil || len(r.secrets) == 0 {
		return w
	}
	return &writer{r: r, w: w}
}

type writer struct {
	mu sync.Mutex
	r  *Redactor
	w  io.Writer
}

var _ io.Writer = (*writer)(nil)

func (w *writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := io.WriteString(w.w, w.r.String(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
