package verify

import (
	"encoding/json"
	"fmt"
	"slices"
)

// entity8 is one element of a version-8 snapshot's "ddl" list (drizzle-kit
// 1.0's PostgreSQL DDL entities), only the fields compared. Each entity
// names its kind in entityType; objects of a table name it in table.
type entity8 struct {
	EntityType string `json:"entityType"`
	Schema     string `json:"schema"`
	Table      string `json:"table"`
	Name       string `json:"name"`
	// columns
	Type       string  `json:"type"` // without the array brackets: see Dimensions
	TypeSchema *string `json:"typeSchema"`
	NotNull    bool    `json:"notNull"`
	Dimensions int     `json:"dimensions"`
	// enums
	Values []string `json:"values"`
	// pks, uniques: false when the name is drizzle-kit's default
	NameExplicit bool `json:"nameExplicit"`
	// uniques: the column names (indexes have objects here, not read)
	Columns json.RawMessage `json:"columns"`
}

// The entity kinds compared. The others (schemas, sequences, roles,
// privileges, policies, views) are not.
var compared8 = map[string]bool{"tables": true, "columns": true, "indexes": true, "pks": true,
	"uniques": true, "fks": true, "checks": true, "enums": true}

// parseSnapshot8 reads drizzle-kit 1.0's shape: {"version": "8",
// "dialect": "postgres", "ddl": [entities]}.
func parseSnapshot8(data []byte) (*Expected, error) {
	if err := requireKey(data, "ddl", "an array"); err != nil {
		return nil, err
	}
	var s struct {
		DDL []json.RawMessage `json:"ddl"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSnapshot, readableJSON(data, err))
	}
	var ents []entity8
	for i, raw := range s.DDL {
		var kind struct {
			EntityType string `json:"entityType"`
		}
		if err := json.Unmarshal(raw, &kind); err != nil {
			return nil, fmt.Errorf("%w: ddl[%d]: %w", ErrBadSnapshot, i, readableJSON(nil, err))
		}
		if kind.EntityType == "" {
			return nil, fmt.Errorf("%w: ddl[%d] has no entityType", ErrBadSnapshot, i)
		}
		if !compared8[kind.EntityType] {
			continue
		}
		var en entity8
		if err := json.Unmarshal(raw, &en); err != nil {
			return nil, fmt.Errorf("%w: ddl[%d] (%s): %w", ErrBadSnapshot, i, kind.EntityType, readableJSON(nil, err))
		}
		if en.Name == "" {
			return nil, fmt.Errorf("%w: ddl[%d] (%s) has no name", ErrBadSnapshot, i, en.EntityType)
		}
		if en.Schema == "" {
			en.Schema = "public"
		}
		ents = append(ents, en)
	}

	e := &Expected{}
	tables := map[[2]string]int{} // schema, name → index in e.Tables
	for _, en := range ents {
		switch en.EntityType {
		case "tables":
			if _, dup := tables[[2]string{en.Schema, en.Name}]; !dup {
				tables[[2]string{en.Schema, en.Name}] = len(e.Tables)
				e.Tables = append(e.Tables, Table{Schema: en.Schema, Name: en.Name})
			}
		case "enums":
			e.Enums = append(e.Enums, Enum{Schema: en.Schema, Name: en.Name, Labels: slices.Clone(en.Values)})
		}
	}
	for _, en := range ents {
		if en.EntityType == "tables" || en.EntityType == "enums" {
			continue
		}
		k, ok := tables[[2]string{en.Schema, en.Table}]
		if !ok {
			return nil, fmt.Errorf("%w: %s %q belongs to table %s.%s, which the snapshot does not declare", ErrBadSnapshot, en.EntityType, en.Name, en.Schema, en.Table)
		}
		tb := &e.Tables[k]
		switch en.EntityType {
		case "columns":
			if en.Dimensions < 0 {
				return nil, fmt.Errorf("%w: column %s.%s.%s has %d dimensions", ErrBadSnapshot, en.Schema, en.Table, en.Name, en.Dimensions)
			}
			tb.Columns = append(tb.Columns, Column{Name: en.Name, NotNull: en.NotNull, Type: catalogType8(en)})
		case "indexes":
			tb.Indexes = append(tb.Indexes, en.Name)
		case "pks":
			// Without an explicit name drizzle-kit writes a bare PRIMARY
			// KEY and PostgreSQL chooses the name (truncated when long):
			// any primary key satisfies it, as a v7 primaryKey column.
			if en.NameExplicit {
				tb.Constraints = append(tb.Constraints, Constraint{Kind: KindPrimaryKey, Name: en.Name})
			} else {
				tb.PrimaryKey = true
			}
		case "uniques":
			c := Constraint{Kind: KindUnique, Name: en.Name}
			// drizzle-kit 1.0 writes a default-named single-column unique
			// inside its CREATE TABLE as a bare UNIQUE, and PostgreSQL
			// names it; added later, it is named explicitly.
			var cols []string
			if !en.NameExplicit && json.Unmarshal(en.Columns, &cols) == nil && len(cols) == 1 {
				c.Alt = chosenName(StoredName(en.Table), StoredName(cols[0]), "key")
			}
			tb.Constraints = append(tb.Constraints, c)
		case "fks":
			tb.Constraints = append(tb.Constraints, Constraint{Kind: KindForeignKey, Name: en.Name})
		case "checks":
			tb.Constraints = append(tb.Constraints, Constraint{Kind: KindCheck, Name: en.Name})
		}
	}
	return e, nil
}

// catalogType8 is CatalogType for a version-8 column, whose type carries
// no brackets: the array depth is in dimensions.
func catalogType8(c entity8) string {
	schema := ""
	if c.TypeSchema != nil {
		schema = *c.TypeSchema
	}
	switch c.Dimensions {
	case 0:
		return CatalogType(c.Type, schema)
	case 1:
		return CatalogType(c.Type+"[]", schema)
	}
	return "" // CatalogType compares one-dimensional arrays only
}
