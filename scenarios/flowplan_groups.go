package scenarios

import "fmt"

// The compilation of a flow's steps into its plan: a group becomes its own step, its steps and
// an end marker, so that an iteration walks one flat list (Iteration.Next).

// compileSteps compiles steps [from, to) of flow fi into pf.steps: a group becomes its own
// step, its steps and an end marker.
func (c *compiler) compileSteps(fp *FlowPlan, fi int, pf *planFlow, from, to int, base string) error {
	f := &c.s.Flows[fi]
	for si := from; si < to; si++ {
		st := &f.Steps[si]
		field := fmt.Sprintf("flows[%d].steps[%d]", fi, si)
		switch {
		case st.Think != nil:
			pf.steps = append(pf.steps, planStep{think: st.Think})
		case st.Group != nil:
			if err := c.compileGroup(fp, fi, pf, si, field, base); err != nil {
				return err
			}
			si += st.Group.Len
		default:
			ps, err := c.compileStep(fp, f, st, field, base)
			if err != nil {
				return err
			}
			ps.first = len(pf.info.Checks)
			for _, ch := range st.Checks {
				pf.info.Checks = append(pf.info.Checks, CheckInfo{Name: ch.Name, Step: st.Name})
			}
			for _, e := range st.Extract {
				pf.info.Checks = append(pf.info.Checks, CheckInfo{Name: e.Name(), Step: st.Name})
			}
			pf.info.Steps = append(pf.info.Steps, st.Name)
			if st.Poll != nil {
				pf.info.Polls = append(pf.info.Polls, st.Name)
			}
			pf.steps = append(pf.steps, ps)
		}
	}
	return nil
}

// compileGroup compiles the group that starts at step si of flow fi, its steps and its end.
func (c *compiler) compileGroup(fp *FlowPlan, fi int, pf *planFlow, si int, field, base string) error {
	st := &c.s.Flows[fi].Steps[si]
	g := st.Group
	pg := &planGroup{name: g.Name, begin: len(pf.steps), repeat: g.Repeat, max: g.Max, index: -1, while: c.compileCond(g.While)}
	if g.While != nil {
		pg.repeat = g.Max
	}
	if g.RepeatTemplate != "" {
		ops, err := c.template(field+".repeat", g.RepeatTemplate)
		if err != nil {
			return err
		}
		pg.repeatOps = ops
	}
	if g.Index != "" {
		pg.index = c.varIdx[g.Index]
	}
	pf.steps = append(pf.steps, planStep{group: pg, when: c.compileCond(st.When)})
	if err := c.compileSteps(fp, fi, pf, si+1, si+1+g.Len, base); err != nil {
		return err
	}
	pg.end = len(pf.steps)
	pf.steps = append(pf.steps, planStep{end: pg})
	for k := pg.begin + 1; k < pg.end; k++ {
		if pf.steps[k].isRequest() {
			pg.names = append(pg.names, pf.steps[k].req.nameIdx)
		}
	}
	return nil
}

// MostRequestSteps is the most requests an iteration sends: the request steps of the longest
// flow, each counted once per pass of the groups around it (a while group's max). It is 0
// (unknown) when a flow polls or repeats a rendered number of times: those have no bound
// known before the run.
func (fp *FlowPlan) MostRequestSteps() int {
	most := 0
	for _, f := range fp.flows {
		n, bounded := f.mostRequests()
		if !bounded {
			return 0
		}
		most = max(most, n)
	}
	return most
}

// mostRequests is the most requests one iteration of f sends, when that is bounded.
func (f *planFlow) mostRequests() (int, bool) {
	total, mult := 0, []int{1}
	for _, st := range f.steps {
		top := mult[len(mult)-1]
		switch {
		case st.group != nil && st.group.repeatOps != nil, st.poll != nil:
			return 0, false
		case st.group != nil:
			if top > maxPasses*1000/max(st.group.repeat, 1) {
				return 0, false // not a useful bound (and no overflow)
			}
			mult = append(mult, top*st.group.repeat)
		case st.end != nil:
			mult = mult[:len(mult)-1]
		case st.isRequest():
			total += top
		}
		if total > maxPasses*1000 {
			return 0, false
		}
	}
	return total, true
}
