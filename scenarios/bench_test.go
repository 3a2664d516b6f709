package scenarios

import (
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// BenchmarkNext measures Plan.Next, which runs once per hit on the generator's hot path, for
// each built-in: echo (static, nothing rendered), cache (a templated path) and swiper
// (variables, a token header, templated JSON bodies).
func BenchmarkNext(b *testing.B) {
	for _, name := range Builtins() {
		sc, err := Load(name)
		if err != nil {
			b.Fatal(err)
		}
		p, err := sc.Plan(PlanOptions{Target: testTarget, Secret: testSecret, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var tgt vegeta.Target
			for b.Loop() {
				if _, err := p.Next(&tgt); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				var tgt vegeta.Target
				for pb.Next() {
					if _, err := p.Next(&tgt); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkParse measures parsing the largest built-in.
func BenchmarkParse(b *testing.B) {
	data, _ := BuiltinYAML("swiper")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("swiper.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}
