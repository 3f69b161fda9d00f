package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// requireKey checks that the snapshot's top level has key, holding a JSON
// value of the kind want ("an object", "an array"): a snapshot without its
// tables (v7) or ddl (v8) describes nothing and must not pass as verified.
func requireKey(data []byte, key, want string) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return fmt.Errorf("%w: %w", ErrBadSnapshot, readableJSON(data, err))
	}
	raw, ok := top[key]
	if !ok {
		return fmt.Errorf("%w: no %q key", ErrBadSnapshot, key)
	}
	if got := jsonKind(raw); got != want {
		return fmt.Errorf("%w: %q is %s, not %s", ErrBadSnapshot, key, got, want)
	}
	return nil
}

// jsonKind names the kind of a JSON value, with its article.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "empty"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// readableJSON says what encoding/json found wrong in the words of the
// file, not of Go's types: `"tables.columns" is an array, not an object
// (near line 3, column 17)`; without data, no position. Other errors pass
// through.
func readableJSON(data []byte, err error) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err
	}
	field := te.Field
	if field == "" {
		field = "the snapshot"
	} else {
		field = fmt.Sprintf("%q", field)
	}
	got := te.Value
	switch {
	case got == "object" || got == "array":
		got = "an " + got
	case got == "bool":
		got = "a boolean"
	case got == "string" || len(got) >= 6 && got[:6] == "number":
		got = "a " + got
	}
	msg := fmt.Sprintf("%s is %s, not %s", field, got, goKind(te.Type))
	if data != nil {
		line, col := position(data, te.Offset)
		msg += fmt.Sprintf(" (near line %d, column %d)", line, col)
	}
	return errors.New(msg)
}

// goKind names the JSON kind a Go type decodes from.
func goKind(t reflect.Type) string {
	if t == nil {
		return "the expected kind"
	}
	switch t.Kind() {
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Pointer:
		return goKind(t.Elem())
	}
	return "a number"
}

// position is the 1-based line and column of byte offset off in data.
func position(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}
