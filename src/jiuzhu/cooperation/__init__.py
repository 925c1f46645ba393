"""Help from outside civil affairs: charity projects that take cases public aid cannot
cover (慈善救助), and applications taken at the town window for another department's
programme (一门受理、协同办理)."""
