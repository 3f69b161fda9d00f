package main

import (
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/hogsend/hogsend-db/tracks"
)

// A tag is a file name: it may hold a newline or an escape sequence that
// would split a line of output or colour the terminal. Such a tag is shown
// quoted, Go-style ("0001_a\nb"), everywhere it is printed: the renderers
// quote it (showTag), and every line written goes through a tagQuoter that
// knows the loaded tags, so messages of the libraries are covered too.
// JSON documents escape control characters already.

// plainTag reports whether a tag can be printed as it is.
func plainTag(tag string) bool {
	for _, r := range tag {
		if !unicode.IsPrint(r) || r == '"' {
			return false
		}
	}
	return tag != ""
}

// showTag is tag as printed: as it is when plain, quoted otherwise.
func showTag(tag string) string {
	if plainTag(tag) {
		return tag
	}
	return strconv.Quote(tag)
}

func showTags(tags []string) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = showTag(t)
	}
	return out
}

// tagQuoter rewrites the non-plain tags of the loaded tracks in everything
// written through it.
type tagQuoter struct {
	mu  sync.Mutex
	rep *strings.Replacer
}

// learn adds the tags of loaded tracks.
func (q *tagQuoter) learn(loaded []tracks.Loaded) {
	if q == nil {
		return
	}
	var odd []string
	for _, l := range loaded {
		if l.Journal == nil {
			continue
		}
		for _, m := range l.Journal.Migrations {
			if !plainTag(m.Tag) {
				odd = append(odd, m.Tag)
			}
		}
	}
	if len(odd) == 0 {
		return
	}
	// Longest first, so a tag that contains another is quoted whole.
	sort.Slice(odd, func(i, j int) bool { return len(odd[i]) > len(odd[j]) })
	var pairs []string
	for _, t := range odd {
		pairs = append(pairs, t, strconv.Quote(t))
	}
	q.mu.Lock()
	q.rep = strings.NewReplacer(pairs...)
	q.mu.Unlock()
}

func (q *tagQuoter) Writer(w io.Writer) io.Writer { return &tagWriter{q: q, w: w} }

type tagWriter struct {
	q *tagQuoter
	w io.Writer
}

func (t *tagWriter) Write(p []byte) (int, error) {
	t.q.mu.Lock()
	rep := t.q.rep
	t.q.mu.Unlock()
	if rep == nil {
		return t.w.Write(p)
	}
	if _, err := io.WriteString(t.w, rep.Replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
