module github.com/lpedge/lpedge

go 1.26
