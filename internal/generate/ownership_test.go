package generate

import (
	"testing"

	"ariga.io/atlas/sql/schema"
)

// describe names the first change to an engine table that it knows, in the
// words of the refusal (EngineObjectError.Detail).
func TestDescribeTableChange(t *testing.T) {
	col := &schema.Column{Name: "email"}
	idx := &schema.Index{Name: "contacts_email_idx"}
	fk := &schema.ForeignKey{Symbol: "contacts_org_fk"}
	ck := &schema.Check{Name: `odd"name`}
	for i, tc := range []struct {
		changes []schema.Change
		want    string
	}{
		{[]schema.Change{&schema.AddColumn{C: col}}, `adds column "email" to it`},
		{[]schema.Change{&schema.DropColumn{C: col}}, `drops its column "email"`},
		{[]schema.Change{&schema.ModifyColumn{From: &schema.Column{Name: "old"}, To: col}}, `changes its column "email"`},
		{[]schema.Change{&schema.AddIndex{I: idx}}, `adds index "contacts_email_idx" to it`},
		{[]schema.Change{&schema.DropIndex{I: idx}}, `drops its index "contacts_email_idx"`},
		{[]schema.Change{&schema.ModifyIndex{From: &schema.Index{Name: "old"}, To: idx}}, `changes its index "contacts_email_idx"`},
		{[]schema.Change{&schema.AddForeignKey{F: fk}}, `adds foreign key "contacts_org_fk" to it`},
		{[]schema.Change{&schema.DropForeignKey{F: fk}}, `drops its foreign key "contacts_org_fk"`},
		{[]schema.Change{&schema.AddCheck{C: ck}}, `adds check "odd""name" to it`},
		{[]schema.Change{&schema.DropCheck{C: ck}}, `drops its check "odd""name"`},
		// The first change it can name, after ones it cannot.
		{[]schema.Change{&schema.ModifyCheck{From: ck, To: ck}, &schema.DropColumn{C: col}}, `drops its column "email"`},
		{[]schema.Change{&schema.ModifyCheck{From: ck, To: ck}}, "changes it"},
		{nil, "changes it"},
	} {
		if got := describe(tc.changes); got != tc.want {
			t.Errorf("case %d: describe = %q, want %q", i, got, tc.want)
		}
	}
}
