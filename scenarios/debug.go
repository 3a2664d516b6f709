package scenarios

// ExtractedValue is a value a step's extraction took, for a debug run's trace: the variable's
// Name, and where the value came from (Source, and Expr: the header's or cookie's name, the
// JSON path or the regular expression).
type ExtractedValue struct {
	Name, Value string
	Source      ExtractSource
	Expr        string
}

// Extracted returns the values step i's extractions took, given the outcomes Verify returned
// for it: those that passed, in the step's order. It allocates, so only a debug run calls it.
func (it *Iteration) Extracted(i int, outcomes []Outcome) []ExtractedValue {
	st := &it.flow.steps[i]
	var out []ExtractedValue
	for k := range st.extracts {
		o := len(st.checks) + k
		if o >= len(outcomes) || !outcomes[o].Pass {
			continue
		}
		e := &st.extracts[k]
		v := it.h.vals[e.slot]
		out = append(out, ExtractedValue{Name: e.Var, Value: string(it.h.vbuf[v.start:v.end]), Source: e.Source, Expr: e.Expr})
	}
	return out
}
