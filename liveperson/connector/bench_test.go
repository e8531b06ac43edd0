package connector_test

import (
	"testing"

	"github.com/lpedge/lpedge/liveperson/connector"
)

func BenchmarkConversationAppendJSON(b *testing.B) {
	c := fullConversation(b)
	buf, err := c.AppendJSON(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = c.AppendJSON(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewConversation(b *testing.B) {
	list := sdes(b, `[{"type":"ctmrinfo","info":{"ctype":"vip","socialId":"1234567890","customerId":"c-1"}},
		{"type":"personal","personal":{"firstname":"John","lastname":"Doe","gender":"MALE"}}]`)
	b.ReportAllocs()
	for b.Loop() {
		c, _ := connector.NewConversation(account, list)
		if _, err := c.AppendJSON(nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeConversation(b *testing.B) {
	body, err := fullConversation(b).AppendJSON(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := connector.DecodeConversation(body, account); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClientPropertiesHeader(b *testing.B) {
	p := fullProperties()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Header(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClientPropertiesAppendJSON(b *testing.B) {
	p := fullProperties()
	buf, _ := p.AppendJSON(nil)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = p.AppendJSON(buf[:0])
	}
}

func BenchmarkDecodeClientProperties(b *testing.B) {
	h, _ := fullProperties().Header()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := connector.DecodeClientProperties(h); err != nil {
			b.Fatal(err)
		}
	}
}
