"""Alert review as domain logic: the states an alert goes through and what a decision remembers."""
