package proxy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestErrorCodesDocumented: every Code* constant is in the package docs'
// table and in README's, with its status, so a new code cannot go out
// undocumented.
func TestErrorCodesDocumented(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || !strings.HasPrefix(vs.Names[0].Name, "Code") || len(vs.Values) != 1 {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok || vs.Comment == nil {
			t.Errorf("%s: want a string literal with a // status: meaning comment", vs.Names[0].Name)
			return true
		}
		code, _ := strconv.Unquote(lit.Value)
		status, _, _ := strings.Cut(strings.TrimSpace(vs.Comment.Text()), ":")
		n++
		if !strings.Contains(string(doc), "//\t"+status+" "+code+" ") {
			t.Errorf("doc.go's table lacks %q with status %s", code, status)
		}
		if !strings.Contains(string(readme), "| "+status+" | `"+code+"` |") {
			t.Errorf("README's table lacks %q with status %s", code, status)
		}
		return true
	})
	if n < 20 {
		t.Errorf("found %d codes in errors.go", n)
	}
}
