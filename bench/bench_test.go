package main

import (
	"encoding/binary"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	s := &series{samples: []sample{{wall: 5}, {wall: 1}, {wall: 3}}}
	if got := s.median(); got != 3 {
		t.Errorf("odd median = %v, want 3", got)
	}
	s.samples = append(s.samples, sample{wall: 100})
	if got := s.median(); got != 4 {
		t.Errorf("even median = %v, want 4", got)
	}
	if lo, hi := s.spread(); lo != 1 || hi != 100 {
		t.Errorf("spread = %v..%v", lo, hi)
	}
}

func TestPairedRatio(t *testing.T) {
	ms := func(xs ...int) *series {
		s := &series{}
		for _, x := range xs {
			s.samples = append(s.samples, sample{wall: time.Duration(x) * time.Millisecond})
		}
		return s
	}
	// Round 2 is slow for both (host load): paired ratios stay 2.
	a, b := ms(20, 2000, 22), ms(10, 1000, 11)
	if got := pairedRatio(a, b); got < 1.999 || got > 2.001 {
		t.Errorf("paired ratio = %v, want 2", got)
	}
}

func msg(typ byte, body string) []byte {
	b := []byte{typ, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], uint32(4+len(body)))
	return append(b, body...)
}

func TestDescribe(t *testing.T) {
	q := msg('Q', "select   1\x00")
	if got := describe(q); got != "Query: select 1" {
		t.Errorf("describe(Query) = %q", got)
	}
	var p []byte
	p = append(p, msg('P', "\x00insert into t values ($1)\x00\x00\x00")...)
	p = append(p, msg('B', "xx")...)
	p = append(p, msg('B', "xx")...)
	p = append(p, msg('S', "")...)
	if got := describe(p); got != "Parse+2×Bind+Sync: insert into t values ($1)" {
		t.Errorf("describe(batch) = %q", got)
	}
	if got := countMessages(p); got != 4 {
		t.Errorf("countMessages = %d, want 4", got)
	}
	startup := []byte{0, 0, 0, 8, 0, 3, 0, 0}
	if got := describe(startup); got != "connect: startup packet" {
		t.Errorf("describe(startup) = %q", got)
	}
}

func TestBenchLine(t *testing.T) {
	for line, want := range map[string][3]string{
		"BenchmarkCheck/Check-2         	   40742	    133551 ns/op	    6999 B/op	      57 allocs/op": {"BenchmarkCheck/Check", "133551", "57"},
		"BenchmarkCheck/Select1-2 	   12357	     98437.5 ns/op":                                      {"BenchmarkCheck/Select1", "98437.5", ""},
		"BenchmarkSelect1 	   12357	     98437 ns/op	     414 B/op	       6 allocs/op":               {"BenchmarkSelect1", "98437", "6"},
	} {
		m := benchLine.FindStringSubmatch(line)
		if m == nil || [3]string{m[1], m[2], m[3]} != want {
			t.Errorf("benchLine(%q) = %q, want %q", line, m, want)
		}
	}
}

func TestPairedLine(t *testing.T) {
	line := "BenchmarkCheckPaired-2   	      98	  24858535 ns/op	         2.564 check/select1	         1.085 deadline/select1	        57.35 us-over-select1"
	if m := pairedLine.FindStringSubmatch(line); m == nil || m[1] != "2.564" || m[2] != "57.35" {
		t.Errorf("pairedLine = %q, want 2.564 and 57.35", m)
	}
	if m := pairedLine.FindStringSubmatch("BenchmarkCheck/Check-2  20116  168903 ns/op"); m != nil {
		t.Errorf("pairedLine matched BenchmarkCheck: %q", m)
	}
}
