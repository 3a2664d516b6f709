package capacity

import "fmt"

// InputError is a bad input to the model: Field names it (as in the plan's JSON, e.g.
// "peak_share"), Allowed says what is accepted. The command line maps Field to its flag.
type InputError struct {
	Field   string
	Value   float64
	Allowed string
}

func (e *InputError) Error() string {
	return fmt.Sprintf("capacity: %s %s: must be %s", e.Field, formatValue(e.Value), e.Allowed)
}

func formatValue(v float64) string { return fmt.Sprintf("%g", v) }

func badInput(field string, v float64, allowed string) error {
	return &InputError{Field: field, Value: v, Allowed: allowed}
}

// positive checks that v is a finite number > 0.
func positive(field string, v float64) error {
	if !(v > 0) || isInf(v) {
		return badInput(field, v, "a number greater than 0")
	}
	return nil
}

// unitInterval checks that v is in (0, 1].
func unitInterval(field string, v float64) error {
	if !(v > 0 && v <= 1) {
		return badInput(field, v, "in (0, 1], e.g. 0.8 or 80%")
	}
	return nil
}

func isInf(v float64) bool { return v > 1e308 || v < -1e308 }
