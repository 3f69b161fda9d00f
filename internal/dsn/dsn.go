// Package dsn reads PostgreSQL connection strings in their two spellings,
// URLs (postgres://user:pw@host/db) and libpq key=value settings
// (host=h password='p w'). It is the one parser behind redaction (which
// must find a password however it is written) and scratch (which swaps the
// database name). Standard library only: guard depends on it.
package dsn

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrInvalid is returned by Parse for a key=value string it cannot read.
var ErrInvalid = errors.New("dsn: invalid key=value connection string")

// ErrUnparsable is returned by Check for a connection string that cannot be
// read. Its text is what is shown in place of such a string: nothing of the
// string itself, since where its password starts and ends is unknown.
var ErrUnparsable = errors.New("unparsable connection string (password hidden)")

// Check reports whether s is a connection string read the same way here and
// by pgx: a URL with the scheme postgres:// or postgresql:// (in lower case,
// as pgx wants) that net/url parses, or libpq key=value settings. The error
// wraps ErrUnparsable and says what is wrong without quoting s.
func Check(s string) error {
	if strings.TrimSpace(s) != s {
		return fmt.Errorf("%w: it starts or ends with whitespace", ErrUnparsable)
	}
	if IsURL(s) {
		scheme := s[:strings.Index(s, "://")]
		if scheme != "postgres" && scheme != "postgresql" {
			if strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql") {
				return fmt.Errorf("%w: write the scheme in lower case: postgres:// or postgresql://", ErrUnparsable)
			}
			return fmt.Errorf("%w: the scheme must be postgres:// or postgresql://", ErrUnparsable)
		}
		u, err := url.Parse(s)
		if err != nil {
			return fmt.Errorf("%w: it is not a valid URL (percent-encode / ? # @ : and spaces in the user name and password)", ErrUnparsable)
		}
		// An "@" after the host is a password whose "/", "?" or "#" ended
		// the user-info early: the URL parses, with the password read as
		// a host, port or database name.
		if strings.Contains(u.Host, "@") || strings.Contains(u.EscapedPath(), "@") || strings.Contains(u.RawQuery, "@") || strings.Contains(u.EscapedFragment(), "@") {
			return fmt.Errorf("%w: it has an \"@\" after the host (percent-encode / ? # @ : in the user name and password)", ErrUnparsable)
		}
		return nil
	}
	if _, err := Parse(s); err != nil {
		return fmt.Errorf("%w: it is neither a postgres:// URL nor valid key=value settings (quote a value with spaces: password='a b')", ErrUnparsable)
	}
	return nil
}

// IsURL reports whether s starts with a URL scheme ("postgres://",
// "postgresql://", or any other scheme://). Anything else is key=value,
// even when a value contains "://".
func IsURL(s string) bool {
	i := strings.Index(s, "://")
	if i <= 0 {
		return false
	}
	for j, c := range s[:i] {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case j > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// Setting is one key=value pair. Start and End are the byte span of the
// value as written in the parsed string (quotes and escapes included), so
// a caller can replace it in place.
type Setting struct {
	Key, Value string
	Start, End int
}

// Parse splits a libpq key=value connection string. Values may be
// single-quoted, with \' and \\ escapes inside or outside quotes; spaces
// may surround "=".
func Parse(s string) ([]Setting, error) {
	var out []Setting
	i := 0
	skipSpace := func() {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
	}
	for {
		skipSpace()
		if i >= len(s) {
			return out, nil
		}
		start := i
		for i < len(s) && s[i] != '=' && s[i] != ' ' && s[i] != '\t' {
			i++
		}
		key := s[start:i]
		skipSpace()
		if i >= len(s) || s[i] != '=' || key == "" {
			return nil, ErrInvalid
		}
		i++
		skipSpace()
		valueStart := i
		var b strings.Builder
		if i < len(s) && s[i] == '\'' {
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if c == '\'' {
					i++
					closed = true
					break
				}
				b.WriteByte(c)
				i++
			}
			if !closed {
				return nil, ErrInvalid
			}
		} else {
			for i < len(s) && !isSpace(s[i]) {
				if s[i] == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				b.WriteByte(s[i])
				i++
			}
		}
		out = append(out, Setting{Key: key, Value: b.String(), Start: valueStart, End: i})
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// Format writes settings back as key=value, quoting every value (spans
// are ignored).
func Format(settings []Setting) string {
	parts := make([]string, len(settings))
	for i, kv := range settings {
		v := strings.ReplaceAll(kv.Value, `\`, `\\`)
		v = strings.ReplaceAll(v, `'`, `\'`)
		parts[i] = kv.Key + "='" + v + "'"
	}
	return strings.Join(parts, " ")
}
