# Django's Spanish formats stand ("14 de enero de 2027").
LONG_DATE_FORMAT = r"j \d\e F \d\e Y"  # 14 de enero de 2027
LONG_DATETIME_FORMAT = r"j \d\e F \d\e Y, H:i"  # 14 de enero de 2027, 10:00
WEEKDAY_DATETIME_FORMAT = r"l, j \d\e F \d\e Y, H:i"  # jueves, 14 de enero de 2027, 10:00
