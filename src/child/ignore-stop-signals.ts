// Ctrl-C in a terminal signals the whole process group, children included, and a
// closed terminal sends SIGHUP to it. The parent decides how a run stops (finish
// within --grace, then abort), so a child must not die of them on its own; it ends
// when its input ends or the parent goes away. The child's entry imports this
// module first, so that the handlers are in place before its other modules load:
// a child forked as the Ctrl-C came died of it otherwise. (Node sets every signal
// back to its default as it starts, so nothing done before the fork could carry
// over; the little time before this module runs is covered by the parent, which
// does not start a dead child's records again once the run is stopping.)
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.on('SIGHUP', () => {});
