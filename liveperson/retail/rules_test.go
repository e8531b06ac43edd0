package retail

import (
	"slices"
	"strings"
	"testing"

	"github.com/lpedge/lpedge/liveperson"
)

// field finds the schema field at a dotted path below fields, through
// arrays to their elements.
func field(fields []*liveperson.Field, path string) *liveperson.Field {
	name, rest, _ := strings.Cut(path, ".")
	for _, fl := range fields {
		if fl.Name != name {
			continue
		}
		for fl.Kind == liveperson.Array {
			fl = fl.Elem
		}
		if rest == "" {
			return fl
		}
		return field(fl.Fields, rest)
	}
	return nil
}

// wireKinds are the schema kinds each rule kind writes.
var wireKinds = [...]liveperson.Kind{kString: liveperson.String, kNumber: liveperson.Double, kCount: liveperson.Int,
	kID: liveperson.String, kDate: liveperson.Object}

// TestRules: every rule writes a field of LivePerson's schema, of the kind
// it reads.
func TestRules(t *testing.T) {
	typeFields := func(name string) []*liveperson.Field { return liveperson.LookupType(name).Fields }
	// The cart's product is the purchase's and the prodView's too.
	product := field(typeFields("cart"), "products.product").Fields
	// Identify's paths start with the SDE's type.
	identity := []*liveperson.Field{{Name: "ctmrinfo", Kind: liveperson.Object, Fields: typeFields("ctmrinfo")},
		{Name: "personal", Kind: liveperson.Object, Fields: typeFields("personal")}}
	for _, tt := range []struct {
		name   string
		fields []*liveperson.Field // where the rules' paths start
		rules  []rule
	}{
		{"segment.product", product, segment.product},
		{"segment.currency", typeFields("prodView"), segment.currency},
		{"segment.purchase", typeFields("purchase"), segment.purchase},
		{"segment.lead", typeFields("lead"), segment.lead},
		{"ga4.product", product, ga4.product},
		{"ga4.currency", typeFields("prodView"), ga4.currency},
		{"ga4.purchase", typeFields("purchase"), ga4.purchase},
		{"ga4.lead", typeFields("lead"), ga4.lead},
		{"companyRules", identity, companyRules},
		{"traitRules", identity, traitRules},
		{"personRules", identity, personRules},
	} {
		for _, ru := range tt.rules {
			fl := field(tt.fields, ru.to)
			if fl == nil || fl.Kind != wireKinds[ru.kind] || ru.enum != nil && !slices.Equal(*ru.enum, fl.Enum) || len(ru.from) == 0 {
				t.Errorf("%s: rule for %s (kind %d, enum %v): schema has %+v", tt.name, ru.to, ru.kind, ru.enum, fl)
			}
		}
	}
}

// TestTraitRules: Identify reads every field of ctmrinfo.info but
// customerId, in the schema's order, last from the trait of its own name.
func TestTraitRules(t *testing.T) {
	var want, got []string
	for _, fl := range field(liveperson.LookupType("ctmrinfo").Fields, "info").Fields {
		if fl.Name != "customerId" {
			want = append(want, fl.Name)
		}
	}
	for _, ru := range traitRules {
		if name, ok := strings.CutPrefix(ru.to, "ctmrinfo.info."); ok {
			got = append(got, name)
			if ru.from[len(ru.from)-1] != name {
				t.Errorf("%s is read from %q", ru.to, ru.from)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("traitRules write ctmrinfo.info's\n%q\nthe schema has\n%q", got, want)
	}
}

func TestIsoDate(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []float64 // year, month, day; nil for none
	}{
		{"2015-02-23", []float64{2015, 2, 23}},
		{"2015-02-23T22:28:55.111Z", []float64{2015, 2, 23}},
		{"0000-12-31 00:00", []float64{0, 12, 31}},
		{"9999-01-01", []float64{9999, 1, 1}},
		{"2015-02-2", nil},
		{"2015-2-23", nil},
		{"2015/02/23", nil},
		{"2015-00-23", nil},
		{"2015-13-23", nil},
		{"2015-02-00", nil},
		{"2015-02-32", nil},
		{"2015-02-23X", nil},
		{"+015-02-23", nil},
		{"2015-0a-23", nil},
		{"", nil},
	} {
		d := isoDate(tt.in)
		if tt.want == nil {
			if d != nil {
				t.Errorf("isoDate(%q) = %v, want nil", tt.in, d)
			}
			continue
		}
		if d == nil || len(d) != 3 || d["year"] != tt.want[0] || d["month"] != tt.want[1] || d["day"] != tt.want[2] {
			t.Errorf("isoDate(%q) = %v, want %v", tt.in, d, tt.want)
		}
	}
}

// PropertiesRead and TraitsRead name exactly the first segments of the
// paths that Map's and Identify's rules read, and the members they read
// outside rules: the loader's debug log of unread members depends on it.
func TestReadKeys(t *testing.T) {
	for _, tc := range []struct {
		name, list string
		rules      [][]rule
		more       []string // read outside the rule tables
	}{
		{"PropertiesRead", PropertiesRead,
			[][]rule{segment.product, segment.purchase, segment.lead, segment.currency, {segment.listCategory, segment.query, segment.quantity, segment.cartTotal, segment.cartTotalAny}},
			[]string{"products"}},
		{"TraitsRead", TraitsRead, [][]rule{companyRules, traitRules, personRules, {fullName}}, []string{"company"}},
	} {
		want := tc.more
		for _, rules := range tc.rules {
			for _, ru := range rules {
				for _, f := range ru.from {
					first, _, _ := strings.Cut(f, ".")
					want = append(want, first)
				}
			}
		}
		slices.Sort(want)
		want = slices.Compact(want)
		got := strings.Fields(tc.list)
		slices.Sort(got)
		if !slices.Equal(got, want) || !strings.HasPrefix(tc.list, " ") || !strings.HasSuffix(tc.list, " ") {
			t.Errorf("%s = %q\nwant the words %q between spaces", tc.name, tc.list, want)
		}
	}
}
