// Package redact keeps database passwords out of everything hogsend-db
// prints and every error its packages return. It is the one home of
// redaction: masking the password of a URL or key=value DSN (URL), masking
// known passwords in every spelling they may be printed in (Redactor, Text,
// Error), and scrubbing anything shaped like a password from error text
// whose source is unknown (Text). Standard library only: guard depends on it.
package redact

import (
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
func isSecretKey(k string) bool { return k == "password" || k == "sslpassword" }

// URL returns a URL or key=value DSN with its password masked; the rest is
// kept as written. Unparsable input is masked conservatively: a URL's
// user-info password up to its last "@", and a DSN from "password" on.
func URL(raw string) string {
	if dsn.IsURL(raw) {
		u, err := url.Parse(raw)
		if err != nil {
			return unparsableURL(raw)
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
		return u.String()
	}
	settings, err := dsn.Parse(raw)
	if err != nil {
		if i := strings.Index(strings.ToLower(raw), "password"); i >= 0 {
			return raw[:i] + "password=" + Mask
		}
		return raw
	}
	// Right to left, so earlier spans stay valid.
	for i := len(settings) - 1; i >= 0; i-- {
		if s := settings[i]; isSecretKey(s.Key) {
			raw = raw[:s.Start] + Mask + raw[s.End:]
		}
	}
	return raw
}

// unparsableURL masks what could be a password in a URL url.Parse refused:
// the user-info after the user name (up to the last "@", since a password
// may hold one), then anything password-shaped in what is left.
func unparsableURL(s string) string {
	i := strings.Index(s, "://")
	rest := s[i+3:]
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if c := strings.Index(rest[:at], ":"); c >= 0 {
			s = s[:i+3] + rest[:c+1] + Mask + rest[at:]
		}
	}
	return kvPassword.ReplaceAllString(s, "${1}"+Mask)
}

// Password-shaped text in messages of unknown origin: the user-info of a
// URL (scheme://user:secret@host) and a key=value or query setting
// (password=secret, password='a b', ?password=secret&...).
var (
	urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s]*@`)
	kvPassword  = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&'"]*)`)

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
// they may be printed in (raw, path-escaped, query-escaped, user-info).
func Passwords(urls ...string) []string {
	var out []string
	for _, raw := range urls {
		if dsn.IsURL(raw) {
			u, err := url.Parse(raw)
			if err != nil {
				out = addForms(out, unparsablePassword(raw))
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
			continue
		}
		settings, err := dsn.Parse(raw)
		if err != nil {
			// Best effort for a broken DSN: a value after password=, an
			// unclosed quote running to the end as libpq reads it.
			for _, m := range brokenPassword.FindAllStringSubmatch(raw, -1) {
				out = addForms(out, strings.Trim(m[1], "'"))
			}
			continue
		}
		for _, s := range settings {
			if isSecretKey(s.Key) {
				out = addForms(out, s.Value)
			}
		}
	}
	return out
}

// unparsablePassword is the user-info password of a URL url.Parse refused,
// unescaped when it can be.
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
	if u, err := url.PathUnescape(p); err == nil {
		return u
	}
	return p
}

// addForms appends p in each spelling it may be printed in, once.
func addForms(out []string, p string) []string {
	if p == "" {
		return out
	}
	for _, form := range []string{p, url.PathEscape(p), url.QueryEscape(p), url.UserPassword("", p).String()[1:]} {
		if form != "" && !slices.Contains(out, form) {
			out = append(out, form)
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

func (w *writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := io.WriteString(w.w, w.r.String(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
