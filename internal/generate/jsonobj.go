package generate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// object is a JSON object that keeps its keys in insertion order, as
// JSON.stringify does with JavaScript objects: drizzle-kit's snapshots are
// written that way, and diffs of snapshots stay readable when hogsend-db
// writes them in the same order.
type object struct {
	keys []string
	vals map[string]any
}

func newObject() *object { return &object{vals: map[string]any{}} }

// set adds or replaces a key; a nil value leaves the key out, as
// JSON.stringify leaves out undefined.
func (o *object) set(key string, v any) *object {
	if v == nil {
		return o
	}
	if _, ok := o.vals[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.vals[key] = v
	return o
}

func (o *object) get(key string) (any, bool) {
	v, ok := o.vals[key]
	return v, ok
}

// sortKeys orders the keys alphabetically.
func (o *object) sortKeys() { sort.Strings(o.keys) }

var _ json.Marshaler = (*object)(nil)

func (o *object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := writeJSON(&buf, k); err != nil {
			return nil, err
		}
		buf.WriteByte(':')
		if err := writeJSON(&buf, o.vals[k]); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// writeJSON encodes v without HTML escaping (JSON.stringify does not escape
// <, > or &).
func writeJSON(buf *bytes.Buffer, v any) error {
	if raw, ok := v.(json.RawMessage); ok {
		return json.Compact(buf, raw)
	}
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("generate: encode snapshot: %w", err)
	}
	buf.Write(bytes.TrimSuffix(tmp.Bytes(), []byte("\n")))
	return nil
}

// marshalIndent renders v as JSON.stringify(v, null, 2) does: two-space
// indent, no trailing newline, no HTML escaping.
func marshalIndent(v any) ([]byte, error) {
	var compact bytes.Buffer
	if err := writeJSON(&compact, v); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return nil, fmt.Errorf("generate: indent snapshot: %w", err)
	}
	return out.Bytes(), nil
}

// parseObject decodes a JSON object keeping its key order; values stay raw.
func parseObject(data []byte) (*object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	o := newObject()
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("bad object key")
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		o.set(key, raw)
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return o, nil
}

// childObject parses the raw value under key as an ordered object; a
// missing or non-object value yields an empty object.
func (o *object) childObject(key string) *object {
	if o == nil {
		return newObject()
	}
	v, ok := o.vals[key]
	if !ok {
		return newObject()
	}
	raw, ok := v.(json.RawMessage)
	if !ok {
		if c, ok := v.(*object); ok {
			return c
		}
		return newObject()
	}
	c, err := parseObject(raw)
	if err != nil {
		return newObject()
	}
	return c
}
